module github.com/stackwebhook/stackwebhook/testdata/generate

go 1.24

require github.com/stackwebhook/stackwebhook/fuzz v0.0.0

require (
	github.com/svix/svix-webhooks v1.44.0 // indirect
	gopkg.in/validator.v2 v2.0.1 // indirect
)

replace (
	github.com/stackwebhook/stackwebhook => ../..
	github.com/stackwebhook/stackwebhook/fuzz => ../../fuzz
)
