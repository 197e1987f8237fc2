package publickey_test

import (
	"fmt"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/publickey"
)

func ExampleNewWebhook() {
	// The key of the Svix server's own v1a test, and a signature it made.
	wh, err := publickey.NewWebhook("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=",
		stackwebhook.WithClock(func() time.Time { return time.Unix(1614265330, 0) }))
	if err != nil {
		panic(err) // a malformed or weak key
	}
	headers := stackwebhook.HeaderMap{
		"svix-id":        "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"svix-timestamp": "1614265330",
		"svix-signature": "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
	}
	fmt.Println(wh.Verify([]byte(`{"test": 2432232314}`), headers))
	// Output: <nil>
}
