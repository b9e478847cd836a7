package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// specPath is the API's description, docs/openapi.yaml.
const specPath = "../../../docs/openapi.yaml"

// apiChecker sends requests to /api/v1 and checks every answer against the
// OpenAPI description with kin-openapi: its status must be described for the
// operation, and its body must match the schema — which, since every
// object in the description says additionalProperties, also means no field
// the description lacks and none of the required ones missing.
type apiChecker struct {
	t      *testing.T
	doc    *openapi3.T
	router routers.Router
	// answered records, per operation ("GET /guilds/{guild}/tickets"), the
	// statuses seen.
	answered map[string][]int
}

func newAPIChecker(t *testing.T) *apiChecker {
	t.Helper()
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("%s is not a valid OpenAPI description: %v", specPath, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiChecker{t: t, doc: doc, router: router, answered: map[string][]int{}}
}

// call sends a request as s (JSON body when in is not nil, with the CSRF
// token for a POST), checks the answer and returns its body.
func (a *apiChecker) call(s *site, method, path string, in any, wantStatus int) []byte {
	a.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			a.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+"/api/v1"+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost && s.cookie() != nil {
		req.Header.Set("X-CSRF-Token", s.csrf())
	}
	res, text := s.do(req)
	if res.StatusCode != wantStatus {
		a.t.Fatalf("%s %s: %d, want %d: %.500s", method, path, res.StatusCode, wantStatus, text)
	}
	a.check(method, path, res.StatusCode, res.Header, []byte(text))
	return []byte(text)
}

// check validates one answer and records it.
func (a *apiChecker) check(method, path string, status int, header http.Header, body []byte) {
	a.t.Helper()
	if err := a.validate(method, path, status, header, body); err != nil {
		a.t.Fatalf("%s %s answered %d outside the description:\n%v\nbody: %.1000s", method, path, status, err, body)
	}
}

func (a *apiChecker) validate(method, path string, status int, header http.Header, body []byte) error {
	req, _ := http.NewRequest(method, "http://dashboard.test/api/v1"+path, nil)
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no operation in the description: %w", err)
	}
	a.answered[method+" "+route.Path] = append(a.answered[method+" "+route.Path], status)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func TestEveryAPIAnswerMatchesTheOpenAPIDescription(t *testing.T) {
	api := newAPIChecker(t)
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	g := "/guilds/" + w.Guild.ID.String()

	anon := newSite(t, w)
	api.call(anon, http.MethodGet, "/me", nil, http.StatusUnauthorized)

	owner := newSite(t, w)
	owner.login(w.Owner)
	api.call(owner, http.MethodGet, "/me", nil, http.StatusOK)
	api.call(owner, http.MethodGet, "/guilds", nil, http.StatusOK)

	// A ticket with messages (one edited, one with an attachment), later
	// claimed, given a priority and closed from the API; another left open.
	// (Opened before the category with a question is added, which would
	// make opening a form.)
	first := openTicket(t, w, w.Member, "printer on fire")
	openTicket(t, w, w.Staff, "second question") // the limit is one open ticket each
	ch := channelOf(t, w, first)
	m := w.Fake.PostMessage(ch, w.Member, "hello <@"+w.Staff.ID.String()+">",
		fakediscord.Attachment{ID: 1, Filename: "log.txt", Size: 12, URL: "https://cdn.example/log.txt", ContentType: "text/plain"})
	w.Fake.EditMessage(ch, m.ID, "hello again")
	w.Fake.PostMessage(ch, w.Staff, "on it")
	ticket := g + "/tickets/" + string(first)
	w.WaitFor(t, "the messages in the transcript", func() bool {
		tr, err := w.Srv.Transcripts.Get(context.Background(), string(first))
		return err == nil && len(tr.Entries) >= 4
	})

	// Settings with every optional field set: a log channel, a category
	// with a Discord category, blacklisted people and roles.
	parent := w.Fake.AddCategory(w.Guild.ID, "Tickets")
	for _, change := range []struct {
		what string
		in   map[string]any
	}{
		{"retention", map[string]any{"days": 30}},
		{"limit", map[string]any{"limit": 3}},
		{"log-channel", map[string]any{"channel": w.Lobby.ID.String()}},
		{"category-add", map[string]any{"key": "billing", "name": "Billing", "discord_category": parent.ID.String()}},
		{"category-question", map[string]any{"key": "billing", "label": "Order number?", "required": false, "long": true}},
		{"blacklist-add", map[string]any{"user": "123456789012345678"}},
		{"blacklist-add", map[string]any{"role": "223456789012345678"}},
		{"language", map[string]any{"language": "pt-BR"}},
	} {
		api.call(owner, http.MethodPost, g+"/settings/"+change.what, change.in, http.StatusOK)
	}
	if body := api.call(owner, http.MethodGet, g+"/settings", nil, http.StatusOK); !strings.Contains(string(body), `"language":"pt-BR"`) {
		t.Errorf("the settings do not say the channels' language: %s", body)
	}
	api.call(owner, http.MethodPost, g+"/settings/language", map[string]any{"language": ""}, http.StatusOK) // back to English posts, which the test reads
	settings, err := w.Srv.App.Settings(context.Background(), domain.GuildID(w.Guild.ID))
	if err != nil {
		t.Fatal(err)
	}
	// As /setup category-question does: the question is as asked (optional, a long answer).
	if c, _ := settings.Category("billing"); len(c.Questions) != 1 || c.Questions[0].Required || !c.Questions[0].Long {
		t.Fatalf("the dashboard's question is %+v, want one optional long-answer question", c.Questions)
	}
	api.call(owner, http.MethodPost, g+"/settings/limit", map[string]any{"limit": -1}, http.StatusUnprocessableEntity)
	// A channel id is checked against the server's text channels: another
	// server's channel is not one, for the log channel or thread mode.
	elsewhere := w.Fake.AddGuild("Elsewhere", w.Owner)
	foreign := w.Fake.AddTextChannel(elsewhere.ID, "their-channel")
	api.call(owner, http.MethodPost, g+"/settings/log-channel", map[string]any{"channel": foreign.ID.String()}, http.StatusNotFound)
	api.call(owner, http.MethodPost, g+"/settings/thread-mode", map[string]any{"channel": foreign.ID.String()}, http.StatusNotFound)
	api.call(owner, http.MethodPost, g+"/settings/thread-mode", map[string]any{"channel": w.Lobby.ID.String(), "category": "billing"}, http.StatusOK)
	if s, _ := w.Srv.App.Settings(context.Background(), domain.GuildID(w.Guild.ID)); s.ThreadChannel("billing") != domain.ChannelID(w.Lobby.ID) || !s.ThreadChannel("").IsZero() {
		t.Fatalf("thread mode from the API: billing under %v, the server under %v", s.ThreadChannel("billing"), s.ThreadChannel(""))
	}
	// A role id is checked against the server's roles.
	api.call(owner, http.MethodPost, g+"/settings/staff-roles", map[string]any{"roles": "123456789012345678"}, http.StatusNotFound)
	api.call(owner, http.MethodPost, g+"/settings/nonsense", map[string]any{}, http.StatusNotFound)
	api.call(owner, http.MethodGet, g+"/settings", nil, http.StatusOK)

	api.call(owner, http.MethodPost, ticket+"/claim", map[string]any{}, http.StatusOK)
	api.call(owner, http.MethodPost, ticket+"/claim", map[string]any{}, http.StatusConflict)
	api.call(owner, http.MethodPost, ticket+"/priority", map[string]any{"priority": "urgent"}, http.StatusOK)
	api.call(owner, http.MethodPost, ticket+"/priority", map[string]any{"priority": "whenever"}, http.StatusUnprocessableEntity)
	api.call(owner, http.MethodPost, ticket+"/teleport", map[string]any{}, http.StatusNotFound)
	api.call(owner, http.MethodPost, ticket+"/note", map[string]any{"text": "asked about this twice"}, http.StatusOK)
	api.call(owner, http.MethodPost, ticket+"/note", map[string]any{"text": " "}, http.StatusUnprocessableEntity)
	// A reply sent twice with its id (a retry) is recorded and posted once.
	for range 2 {
		api.call(owner, http.MethodPost, ticket+"/reply", map[string]any{"text": "hello from the API", "reply": "01JD7Q4V3S8X2N6M5K4J3H2G1F"}, http.StatusOK)
	}
	api.call(owner, http.MethodPost, ticket+"/reply", map[string]any{"text": "x", "reply": "not-a-ulid"}, http.StatusUnprocessableEntity)
	w.WaitFor(t, "the reply in the channel and the transcript", func() bool {
		posted := 0
		for _, m := range w.Fake.Messages(ch) {
			if strings.Contains(m.Content, "(from the dashboard): hello from the API") {
				posted++
			}
		}
		tr, err := w.Srv.Transcripts.Get(context.Background(), string(first))
		if err != nil || posted != 1 {
			return false
		}
		theirs, bots := 0, 0
		for _, e := range tr.Entries {
			switch {
			case e.Source == "dashboard" && e.Author == w.Owner.ID.String() && e.Content == "hello from the API":
				theirs++
			case e.Bot && strings.Contains(e.Content, "hello from the API"):
				bots++
			}
		}
		return theirs == 1 && bots == 0
	})
	// An edit of the bot's post (a link preview, say) is not captured either.
	for _, m := range w.Fake.Messages(ch) {
		if strings.Contains(m.Content, "(from the dashboard): hello from the API") {
			w.Fake.EditMessage(ch, m.ID, "edited by Discord")
		}
	}
	w.Settle(t)
	if tr, err := w.Srv.Transcripts.Get(context.Background(), string(first)); err == nil {
		for _, e := range tr.Entries {
			if strings.Contains(e.Content, "edited by Discord") {
				t.Fatalf("the bot's post of a reply was captured through its edit: %+v", e)
			}
		}
	}
	api.call(owner, http.MethodPost, ticket+"/close", map[string]any{"reason": "fixed"}, http.StatusOK)
	w.Deliver(t, w.Fake.ModalSubmit(w.As(w.Member, ch), "/form/rate/"+string(first)+"/4", [][2]string{{"comment", "kind"}}))
	w.WaitFor(t, "the rating in the view", func() bool {
		v, err := w.Srv.TicketViews.Get(context.Background(), string(first))
		return err == nil && v.Rating == 4
	})

	api.call(owner, http.MethodGet, g+"/tickets", nil, http.StatusOK)
	api.call(owner, http.MethodGet, g+"/tickets?status=closed&per_page=1", nil, http.StatusOK)
	var v map[string]any
	if err := json.Unmarshal(api.call(owner, http.MethodGet, ticket, nil, http.StatusOK), &v); err != nil {
		t.Fatal(err)
	}
	for _, internal := range []string{"version", "messages_version", "v", "mv", "scrubbed", "named_by"} {
		if _, ok := v[internal]; ok {
			t.Errorf("GET %s shows the projector's %q", ticket, internal)
		}
	}
	if v["closed_by"] == nil || v["close_reason"] != "fixed" || v["claimer"] == nil || v["channel"] == nil || v["rating"] != 4.0 || v["rating_comment"] != "kind" || len(v["notes"].([]any)) != 1 {
		t.Fatalf("the ticket lacks what the scenario set: %v", v)
	}
	api.call(owner, http.MethodGet, g+"/tickets/01JD7Q4V3S8X2N6M5K4J3H2G1F", nil, http.StatusNotFound)
	api.call(owner, http.MethodGet, ticket+"/transcript", nil, http.StatusOK)
	w.WaitFor(t, "the close in the audit timeline", func() bool {
		res, body := owner.get("/api/v1" + g + "/audit?type=ticket.closed.v1")
		return res.StatusCode == 200 && strings.Contains(body, "ticket.closed.v1")
	})
	api.call(owner, http.MethodGet, g+"/audit", nil, http.StatusOK)
	api.call(owner, http.MethodGet, g+"/audit?type=guild.retention_set.v1", nil, http.StatusOK)
	api.call(owner, http.MethodGet, g+"/audit?limit=1", nil, http.StatusOK)
	api.call(owner, http.MethodGet, g+"/analytics", nil, http.StatusOK)
	api.call(owner, http.MethodGet, g+"/analytics?from=2020-01-01&to=2019-01-01", nil, http.StatusBadRequest)

	// Refusals.
	api.call(owner, http.MethodGet, "/guilds/123/tickets", nil, http.StatusForbidden)
	member := newSite(t, w)
	member.login(w.Member)
	api.call(member, http.MethodGet, g+"/settings", nil, http.StatusForbidden)
	req, _ := http.NewRequest(http.MethodPost, owner.base+"/api/v1"+ticket+"/reopen", strings.NewReader("[1]"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", owner.csrf())
	res, body := owner.do(req)
	api.check(http.MethodPost, ticket+"/reopen", res.StatusCode, res.Header, []byte(body))
	req, _ = http.NewRequest(http.MethodPost, owner.base+"/api/v1"+ticket+"/reopen", nil) // no CSRF token
	res, body = owner.do(req)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a POST without the CSRF token: %d", res.StatusCode)
	}
	api.check(http.MethodPost, ticket+"/reopen", res.StatusCode, res.Header, []byte(body))

	// Every operation described was answered successfully at least once,
	// and every route the dashboard serves under /api/v1 is described.
	var missing []string
	for path, item := range api.doc.Paths.Map() {
		for method := range item.Operations() {
			if !slices.ContainsFunc(api.answered[method+" "+path], func(s int) bool { return s >= 200 && s < 300 }) {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations never answered with success by this test: %v", missing)
	}
	for _, r := range apiRoutes(w) {
		if item := api.doc.Paths.Find(r.path); item == nil || item.GetOperation(r.method) == nil {
			t.Errorf("%s /api/v1%s is served but not described in %s", r.method, r.path, specPath)
		}
	}
}

type apiRoute struct{ method, path string }

// apiRoutes lists the routes the dashboard mounts under /api/v1, in the
// description's path syntax.
func apiRoutes(w *testenv.World) []apiRoute {
	f := fiber.New()
	w.Srv.Dashboard.Mount(f)
	var out []apiRoute
	for _, r := range f.GetRoutes(true) {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				parts[i] = "{" + name + "}"
			}
		}
		out = append(out, apiRoute{r.Method, strings.Join(parts, "/")})
	}
	return out
}

// TestTheAPICheckCatchesAnUndescribedOrMissingField makes sure the check
// above would fail: the description must refuse an answer with a field it
// lacks (a projector's apply-once version, say) and one without a required
// field, and every object it describes in an answer must say whether it
// admits other properties.
func TestTheAPICheckCatchesAnUndescribedOrMissingField(t *testing.T) {
	api := newAPIChecker(t)
	h := http.Header{"Content-Type": {"application/json"}}
	ticket := map[string]any{"id": "01JD7Q4V3S8X2N6M5K4J3H2G1F", "guild": "42", "number": 1, "status": "open", "opener": "7",
		"members": []string{}, "category": "general", "priority": "normal", "name": "ticket-1",
		"opened_at": "2025-01-01T00:00:00Z", "message_count": 0, "updated_at": "2025-01-01T00:00:00Z"}
	path := "/guilds/42/tickets/01JD7Q4V3S8X2N6M5K4J3H2G1F"
	encode := func(m map[string]any) []byte {
		b, _ := json.Marshal(m)
		return b
	}
	if err := api.validate(http.MethodGet, path, 200, h, encode(ticket)); err != nil {
		t.Fatalf("a well-formed ticket is refused: %v", err)
	}
	ticket["version"] = 3
	if err := api.validate(http.MethodGet, path, 200, h, encode(ticket)); err == nil {
		t.Fatal("a ticket with an undescribed field passes")
	}
	delete(ticket, "version")
	delete(ticket, "status")
	if err := api.validate(http.MethodGet, path, 200, h, encode(ticket)); err == nil {
		t.Fatal("a ticket without a required field passes")
	}
	if err := api.validate(http.MethodGet, path, 418, h, []byte(`{"error":"teapot"}`)); err == nil {
		t.Fatal("an undescribed status passes")
	}

	var open []string
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.SchemaRef)
	walk = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || seen[s.Value] {
			return
		}
		seen[s.Value] = true
		v := s.Value
		if v.Type.Is(openapi3.TypeObject) && v.AdditionalProperties.Has == nil && v.AdditionalProperties.Schema == nil {
			open = append(open, where)
		}
		for name, p := range v.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", v.Items)
		walk(where+"{}", v.AdditionalProperties.Schema)
		for _, group := range []openapi3.SchemaRefs{v.OneOf, v.AnyOf, v.AllOf} {
			for _, x := range group {
				walk(where, x)
			}
		}
	}
	for path, item := range api.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				for mime, mt := range r.Value.Content {
					walk(fmt.Sprintf("%s %s %s %s", method, path, status, mime), mt.Schema)
				}
			}
		}
	}
	sort.Strings(open)
	if len(open) > 0 {
		t.Fatalf("objects in answers that do not say additionalProperties (an extra field would pass unnoticed): %v", open)
	}
}
