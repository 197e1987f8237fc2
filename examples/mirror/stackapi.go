package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/stackwebhook/stackwebhook"
)

// stackAPI lists a project's users, teams, memberships and permissions
// through Stack's REST API with a secret server key, as StackServerApp does
// (GET /api/v1/users, /teams, /teams?user_id=, /team-permissions,
// /project-permissions, with the x-stack-* headers of server access, which
// Hexclave accepts beside its x-hexclave-* names and a self-hosted Stack
// older than the rename knows alone).
type stackAPI struct {
	base      string // such as https://api.hexclave.com
	projectID string
	serverKey string
	client    *http.Client
}

// get reads GET base+path?query into out, a JSON object.
func (a *stackAPI) get(ctx context.Context, path string, query url.Values, out any) error {
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
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stack api: GET %s: %s: %.200s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("stack api: GET %s: %w", path, err)
	}
	return nil
}

// users lists every user, anonymous and restricted ones included, page by
// page.
func (a *stackAPI) users(ctx context.Context) ([]stackwebhook.User, error) {
	var all []stackwebhook.User
	cursor := ""
	for {
		q := url.Values{"limit": {"100"}, "include_anonymous": {"true"}, "include_restricted": {"true"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items      []stackwebhook.User `json:"items"`
			Pagination struct {
				NextCursor *string `json:"next_cursor"`
			} `json:"pagination"`
		}
		if err := a.get(ctx, "/api/v1/users", q, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.Pagination.NextCursor == nil || *page.Pagination.NextCursor == "" {
			return all, nil
		}
		cursor = *page.Pagination.NextCursor
	}
}

// teams lists every team, or those of one user.
func (a *stackAPI) teams(ctx context.Context, userID string) ([]stackwebhook.Team, error) {
	var q url.Values
	if userID != "" {
		q = url.Values{"user_id": {userID}}
	}
	var page struct {
		Items []stackwebhook.Team `json:"items"`
	}
	err := a.get(ctx, "/api/v1/teams", q, &page)
	return page.Items, err
}

// teamPermissions lists the permissions a user holds directly in a team.
func (a *stackAPI) teamPermissions(ctx context.Context, teamID, userID string) ([]stackwebhook.TeamPermission, error) {
	var page struct {
		Items []stackwebhook.TeamPermission `json:"items"`
	}
	err := a.get(ctx, "/api/v1/team-permissions", url.Values{"team_id": {teamID}, "user_id": {userID}, "recursive": {"false"}}, &page)
	return page.Items, err
}

// projectPermissions lists the permissions a user holds directly in the
// project.
func (a *stackAPI) projectPermissions(ctx context.Context, userID string) ([]stackwebhook.ProjectPermission, error) {
	var page struct {
		Items []stackwebhook.ProjectPermission `json:"items"`
	}
	err := a.get(ctx, "/api/v1/project-permissions", url.Values{"user_id": {userID}, "recursive": {"false"}}, &page)
	return page.Items, err
}
