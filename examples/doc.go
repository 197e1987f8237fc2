// Package examples holds receivers of Stack's webhooks in the places users
// run them: chi, gin and echo routes, and an AWS Lambda function behind API
// Gateway. It is a module of its own, so that the library requires none of
// their libraries; each example's test signs a request and runs it.
package examples
