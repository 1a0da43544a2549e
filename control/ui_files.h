/*
 * The dashboard's static files (the `ui/` folder of the source, installed
 * as DATADIR/pcapd/ui), served under /ui/ from the folder the `ui_dir`
 * setting names.  The pages speak only the public API, with the token the
 * user signs in with; the files themselves need no token.
 */
#ifndef PCAPD_UI_FILES_H
#define PCAPD_UI_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "h2o.h"

/* Chooses the folder to serve: `setting` (the `ui_dir` setting; "off"
 * serves nothing; empty picks the source tree's ui/ when it exists, else
 * the installed folder).  Returns 0 with the dashboard enabled or off, or -1
 * with `err` when a named folder holds no index.html. */
int ui_files_init(const char *setting, char *err, size_t err_size);

/* Tells whether the dashboard is served. */
bool ui_files_enabled(void);

/* Tells whether the request's path is the dashboard's: /ui or /ui/... */
bool ui_files_path(const h2o_req_t *req);

/* Answers a request under /ui: the file, a redirect of /ui to /ui/, or a
 * 404 or 405 in the API's error envelope.  Returns 0. */
int ui_files_handle(h2o_req_t *req);

#endif /* PCAPD_UI_FILES_H */
