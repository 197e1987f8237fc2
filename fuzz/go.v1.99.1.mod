module github.com/stackwebhook/stackwebhook/fuzz

go 1.24

require (
	github.com/stackwebhook/stackwebhook v0.0.0-00010101000000-000000000000
	github.com/svix/svix-webhooks v1.99.1
)

require github.com/google/uuid v1.6.0 // indirect

replace github.com/stackwebhook/stackwebhook => ../
