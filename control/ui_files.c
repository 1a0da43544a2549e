/*
 * The dashboard's static files under /ui/ (ui_files.h).  A request path
 * is h2o's normalised path; only plain names are served (letters, digits,
 * '.', '_', '-', no segment starting with '.'), never a directory listing.
 * MIME types come from h2o's own map; every answer carries a Content
 * Security Policy that allows nothing but this origin, so the pages run
 * no code and load nothing from elsewhere.
 */
#include "ui_files.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_errors.h"
#include "api_response.h"

/* What every file is sent with. */
static const struct {
    const char *name, *value;
} ui_headers[] = {
    {"content-security-policy",
     "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
     "form-action 'self'; frame-ancestors 'none'"},
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "no-referrer"},
    {"cache-control", "no-cache"},
};

/* The folder served, or empty when the dashboard is off. */
static char ui_dir[PATH_MAX];

/* Tells whether `dir` holds the dashboard's index.html. */
static bool has_index(const char *dir)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    return access(path, R_OK) == 0;
}

int ui_files_init(const char *setting, char *err, size_t err_size)
{
    ui_dir[0] = '\0';
    if (strcmp(setting, "off") == 0)
        return 0;
    if (setting[0] != '\0') {
        if (!has_index(setting)) {
            snprintf(err, err_size, "ui_dir: %s holds no index.html", setting);
            return -1;
        }
        snprintf(ui_dir, sizeof(ui_dir), "%s", setting);
        return 0;
    }
    /* A build run beside its source tree serves that tree's files, so they
     * match the binary; an installed one, the installed files. */
    if (has_index(PCAPD_UI_DIR_SOURCE))
        snprintf(ui_dir, sizeof(ui_dir), "%s", PCAPD_UI_DIR_SOURCE);
    else if (has_index(PCAPD_UI_DIR_INSTALLED))
        snprintf(ui_dir, sizeof(ui_dir), "%s", PCAPD_UI_DIR_INSTALLED);
    return 0;
}

bool ui_files_enabled(void)
{
    return ui_dir[0] != '\0';
}

bool ui_files_path(const h2o_req_t *req)
{
    h2o_iovec_t p = req->path_normalized;
    return p.len >= 3 && memcmp(p.base, "/ui", 3) == 0 && (p.len == 3 || p.base[3] == '/');
}

/* Tells whether `rel` (the path after /ui/) names a file we may serve. */
static bool plain_name(h2o_iovec_t rel)
{
    if (rel.len > 200)
        return false;
    for (size_t i = 0; i < rel.len; i++) {
        char c = rel.base[i];
        bool segment_start = i == 0 || rel.base[i - 1] == '/';
        if ((segment_start && (c == '.' || c == '/')) ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/'))
            return false;
    }
    return true;
}

/* The MIME type of `path` from h2o's map (by its extension). */
static h2o_iovec_t mime_of(h2o_req_t *req, const char *path)
{
    const char *dot = strrchr(path, '.');
    h2o_mimemap_type_t *type = NULL;
    if (dot != NULL && req->pathconf != NULL && req->pathconf->mimemap != NULL)
        type = h2o_mimemap_get_type_by_extension(req->pathconf->mimemap,
                                                 h2o_iovec_init(dot + 1, strlen(dot + 1)));
    if (type != NULL && type->type == H2O_MIMEMAP_TYPE_MIMETYPE)
        return type->data.mimetype;
    return h2o_iovec_init(H2O_STRLIT("application/octet-stream"));
}

/* Answers 404 for a path under /ui/ that names no file. */
static int not_found(h2o_req_t *req)
{
    return api_send_error(req, 404, API_ERR_NO_ROUTE, "no file %.*s in the dashboard",
                          (int)(req->path_normalized.len > 200 ? 200 : req->path_normalized.len),
                          req->path_normalized.base);
}

int ui_files_handle(h2o_req_t *req)
{
    h2o_iovec_t p = req->path_normalized;
    if (!ui_files_enabled())
        return api_send_error(req, 404, API_ERR_NO_ROUTE,
                              "the dashboard is off on this appliance (ui_dir = off)");
    if (!api_method_is(req, "GET") && !api_method_is(req, "HEAD")) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                       H2O_STRLIT("GET, HEAD"));
        return api_send_error(req, 405, API_ERR_METHOD_NOT_ALLOWED,
                              "%.*s is not allowed here; use GET", (int)req->method.len,
                              req->method.base);
    }
    if (p.len == 3) {
        h2o_send_redirect(req, 301, "Moved Permanently", H2O_STRLIT("/ui/"));
        return 0;
    }
    h2o_iovec_t rel = h2o_iovec_init(p.base + 4, p.len - 4);
    if (rel.len == 0)
        rel = h2o_iovec_init(H2O_STRLIT("index.html"));
    char path[PATH_MAX + 256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%.*s", ui_dir, (int)rel.len, rel.base);
    if (!plain_name(rel) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return not_found(req);
    for (size_t i = 0; i < sizeof(ui_headers) / sizeof(ui_headers[0]); i++)
        h2o_add_header_by_str(&req->pool, &req->res.headers, ui_headers[i].name,
                              strlen(ui_headers[i].name), 0, NULL, ui_headers[i].value,
                              strlen(ui_headers[i].value));
    if (h2o_file_send(req, 200, "OK", path, mime_of(req, path), 0) != 0)
        return not_found(req);
    return 0;
}
