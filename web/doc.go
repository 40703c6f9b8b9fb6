// Package web is the registry's user interface: server-rendered HTML
// (html/template), assets embedded in the binary, no CDN and no build
// step. Every page works without JavaScript.
//
// Pages: the APIs list (/), Upload (/upload), an API with its operations
// (/apis/{name}: toggle, tool name, required scopes), its Versions
// (/apis/{name}/versions: tool-level changes, roll back) and Connect
// (/apis/{name}/connect: endpoint, PRM URL, .vscode/mcp.json entry and the
// Install in VS Code links).
//
// The handlers depend only on [Registry], a small interface the gateway
// implements over the store and its API builder, so this package never
// imports the gateway and has no business logic of its own: the admin JSON
// API and the UI call the same service.
//
// Security: spec-derived text is always escaped (specs are untrusted); a
// strict Content-Security-Policy (no scripts at all), frame-ancestors
// 'none' and nosniff on every page; state-changing requests are refused
// when they come from another origin (net/http's CrossOriginProtection,
// which checks Sec-Fetch-Site and Origin). Sign-in is the gateway's job:
// mount the handler behind it, and pass the signed-in admin with
// [WithSession]; every post form then carries the session's CSRF token (the
// hidden field [CSRFField]) for the gateway to check, and the header offers
// Sign out. [Handler.ServeNotice] renders the sign-in's own pages.
package web
