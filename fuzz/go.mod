module github.com/stackwebhook/stackwebhook/fuzz

go 1.24

require (
	github.com/stackwebhook/stackwebhook v0.0.0-00010101000000-000000000000
	github.com/svix/svix-webhooks v1.44.0
)

require gopkg.in/validator.v2 v2.0.1 // indirect

replace github.com/stackwebhook/stackwebhook => ../
