package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// stackAPI reads a project's users, teams, memberships and permissions
// through Hexclave's (Stack's) REST API with a secret server key, as
// StackServerApp does, with the x-stack-* headers of server access, which
// Hexclave accepts beside its x-hexclave-* names and a self-hosted Stack
// older than the rename knows alone.
//
// Every request first takes a token from limit, the fleet's shared rate
// toward the API (nil: none). A 404 is errNotFound, a 429 a *rateLimited
// carrying the Retry-After, any other status an *apiError; get retries none
// of them: the refresh worker leaves that to its job queue, reconcile to
// its own deadline (withRetries).
type stackAPI struct {
	base      string // such as https://api.hexclave.com
	projectID string
	serverKey string
	client    *http.Client
	limit     interface{ wait(context.Context) error }
	pageSize  int           // items asked of a page of /users or /teams; 0 means 1000, Hexclave's largest
	retry     bool          // retry a 429, a 5xx or a failed request until the context's deadline
	backoff   time.Duration // the first wait before a retry; 0 means half a second
}

// errNotFound is the API's 404 for the entity a GET names: the only proof
// of a deletion the mirror accepts from the API.
var errNotFound = errors.New("stack api: not found")

// rateLimited is a 429: the API asks to wait After (Retry-After, or a
// second when it names none).
type rateLimited struct{ After time.Duration }

func (e *rateLimited) Error() string { return fmt.Sprintf("stack api: 429, retry after %s", e.After) }

// apiError is any other answer than 200, 404 or 429, or a 200 the mirror
// cannot read.
type apiError struct {
	Path   string
	Status int // 0 for a 200 that is malformed
	Detail string
}

func (e *apiError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("stack api: GET %s: malformed answer: %s", e.Path, e.Detail)
	}
	return fmt.Sprintf("stack api: GET %s: %d: %.200s", e.Path, e.Status, e.Detail)
}

// retryable tells whether err is worth another attempt: a 429, a 5xx, or
// no answer at all. A 4xx other than 429 and a malformed 200 are not.
func retryable(err error) bool {
	var rl *rateLimited
	var ae *apiError
	switch {
	case errors.As(err, &rl):
		return true
	case errors.As(err, &ae):
		return ae.Status >= 500
	case errors.Is(err, errNotFound), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	return true // transport errors
}

// get reads GET base+path?query into out, a JSON object. With retry set,
// it tries again after a 429 (waiting its Retry-After), a 5xx or a failed
// request, backing off from half a second to a minute, until the context
// ends.
func (a *stackAPI) get(ctx context.Context, path string, query url.Values, out any) error {
	for backoff := cmp.Or(a.backoff, 500*time.Millisecond); ; backoff = min(2*backoff, time.Minute) {
		err := a.getOnce(ctx, path, query, out)
		if err == nil || !a.retry || !retryable(err) {
			return err
		}
		wait := backoff
		if rl := (*rateLimited)(nil); errors.As(err, &rl) {
			wait = rl.After
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return fmt.Errorf("giving up before the deadline: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (a *stackAPI) getOnce(ctx context.Context, path string, query url.Values, out any) error {
	if a.limit != nil {
		if err := a.limit.wait(ctx); err != nil {
			return err
		}
	}
	u := strings.TrimSuffix(a.base, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-stack-access-type", "server")
	req.Header.Set("x-stack-project-id", a.projectID)
	req.Header.Set("x-stack-secret-server-key", a.serverKey)
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return fmt.Errorf("GET %s: %w", path, errNotFound)
	case http.StatusTooManyRequests:
		return &rateLimited{After: retryAfter(resp.Header.Get("Retry-After"))}
	default:
		return &apiError{Path: path, Status: resp.StatusCode, Detail: string(body)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &apiError{Path: path, Detail: err.Error()}
	}
	return nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; a second
// when absent or unreadable, at most an hour.
func retryAfter(v string) time.Duration {
	d := time.Second
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), time.Hour)
}

// page is one answer of a list: items is nil when the answer had none,
// which the lists refuse (a 200 without items is not an empty list).
type page[T any] struct {
	Items      *[]T `json:"items"`
	Pagination struct {
		NextCursor *string `json:"next_cursor"`
	} `json:"pagination"`
}

// list reads every page of a list, following next_cursor to its end. It
// refuses an answer without items, a cursor seen twice, and an empty page
// after a cursor: Stack's cursor is the id of the next page's first row,
// and when that row is deleted between two requests the next page comes
// back empty with no cursor, which is not the end. list then asks again
// from the last item it holds (which it drops from the answer); only when
// that page is empty too does it give up.
func list[T any](ctx context.Context, a *stackAPI, path string, query url.Values, id func(*T) string) ([]T, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	var all []T
	seen := map[string]bool{}
	cursor, skip := "", ""
	for {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p page[T]
		if err := a.get(ctx, path, q, &p); err != nil {
			return nil, err
		}
		if p.Items == nil {
			return nil, &apiError{Path: path, Detail: "a 200 without items"}
		}
		items := *p.Items
		if skip != "" && len(items) > 0 && id(&items[0]) == skip {
			items = items[1:]
			if len(items) == 0 && p.Pagination.NextCursor == nil {
				return all, nil // the item stepped back to was the last
			}
		}
		if cursor != "" && len(*p.Items) == 0 {
			if skip != "" || len(all) == 0 {
				return nil, &apiError{Path: path, Detail: fmt.Sprintf("an empty page after cursor %s", cursor)}
			}
			// The cursor's row is gone: step back to the last item held.
			cursor, skip = id(&all[len(all)-1]), id(&all[len(all)-1])
			continue
		}
		skip = ""
		all = append(all, items...)
		next := p.Pagination.NextCursor
		if next == nil || *next == "" {
			return all, nil
		}
		if seen[*next] {
			return nil, &apiError{Path: path, Detail: fmt.Sprintf("cursor %s seen twice", *next)}
		}
		seen[*next] = true
		cursor = *next
	}
}

// limitParam is the page size asked of the lists that page (/users and
// /teams; the permission lists take no limit, and are followed all the
// same if they ever answer a cursor).
func (a *stackAPI) limitParam() string {
	if a.pageSize > 0 {
		return strconv.Itoa(a.pageSize)
	}
	return "1000"
}

func userID(u *stackwebhook.User) string { return u.ID }
func teamID(t *stackwebhook.Team) string { return t.ID }
func teamPermKey(p *stackwebhook.TeamPermission) string {
	return p.TeamID + "/" + p.UserID + "/" + p.ID
}
func projectPermKey(p *stackwebhook.ProjectPermission) string {
	return p.UserID + "/" + p.ID
}

// user reads one user: errNotFound when Stack has no such user.
func (a *stackAPI) user(ctx context.Context, id string) (*stackwebhook.User, error) {
	var u stackwebhook.User
	if err := a.get(ctx, "/api/v1/users/"+url.PathEscape(id), nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// team reads one team: errNotFound when Stack has no such team.
func (a *stackAPI) team(ctx context.Context, id string) (*stackwebhook.Team, error) {
	var t stackwebhook.Team
	if err := a.get(ctx, "/api/v1/teams/"+url.PathEscape(id), nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// users lists every user, anonymous and restricted ones included, or the
// members of one team.
func (a *stackAPI) users(ctx context.Context, teamID string) ([]stackwebhook.User, error) {
	q := url.Values{"include_anonymous": {"true"}, "include_restricted": {"true"}, "limit": {a.limitParam()}}
	if teamID != "" {
		q.Set("team_id", teamID)
	}
	return list(ctx, a, "/api/v1/users", q, userID)
}

// teams lists every team, or those of one user.
func (a *stackAPI) teams(ctx context.Context, userID string) ([]stackwebhook.Team, error) {
	q := url.Values{"limit": {a.limitParam()}}
	if userID != "" {
		q.Set("user_id", userID)
	}
	return list(ctx, a, "/api/v1/teams", q, teamID)
}

// teamPermissions lists the permissions held directly in a team: by one
// user when userID is set, else by every member; every team's when teamID
// is empty too.
func (a *stackAPI) teamPermissions(ctx context.Context, teamID, userID string) ([]stackwebhook.TeamPermission, error) {
	q := url.Values{"recursive": {"false"}}
	if teamID != "" {
		q.Set("team_id", teamID)
	}
	if userID != "" {
		q.Set("user_id", userID)
	}
	return list(ctx, a, "/api/v1/team-permissions", q, teamPermKey)
}

// projectPermissions lists the permissions held directly in the project,
// by one user or (userID empty) by everyone.
func (a *stackAPI) projectPermissions(ctx context.Context, userID string) ([]stackwebhook.ProjectPermission, error) {
	q := url.Values{"recursive": {"false"}}
	if userID != "" {
		q.Set("user_id", userID)
	}
	return list(ctx, a, "/api/v1/project-permissions", q, projectPermKey)
}
