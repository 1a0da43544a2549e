/*
 * The kernel path's nftables rules, through libnftables on one context (one
 * netlink socket, kept open: the tables it creates with the `owner` flag
 * vanish with it, so a killed daemon leaves no rule behind).  Each job has
 * a table of its own named after it, with two named counters (`matched`,
 * `logged`) and one chain per hook; every chain holds one rule:
 *
 *   MATCH counter name "matched" [numgen random mod N 0] counter name "logged"
 *         log group G snaplen S queue-threshold Q
 *
 * Scripts are written here from the job's filter, never from user text.
 * A job's table is created with `create`, so a table of the same name that
 * exists (another process's) fails the job rather than being merged into.
 */
#include "kp_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The transport protocols whose headers start with two 16-bit ports (TCP,
 * UDP, SCTP, UDP-Lite), as the DPDK path's parser reads them. */
#define KP_PORT_PROTOCOLS "{ 6, 17, 132, 136 }"

/* A libnftables context and what the probe found. */
struct kp_rules {
    /* The context; its output and errors go to buffers. */
    struct nft_ctx *nft;
    /* The kernel has the table `owner` flag. */
    bool have_owner;
};

/* A string being appended to, in a fixed buffer. */
struct kp_text {
    char *buf;
    size_t size;
    size_t len;
    /* It did not fit. */
    bool full;
};

/* Appends printf-style text to `t`. */
__attribute__((format(printf, 2, 3))) static void text_add(struct kp_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->len < t->size ? t->size - t->len : 0;
    int n = vsnprintf(t->buf + t->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room)
        t->full = true;
    else
        t->len += (size_t)n;
}

struct kp_rules *kp_rules_open(void)
{
    struct kp_rules *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (r->nft == NULL || nft_ctx_buffer_output(r->nft) != 0 || nft_ctx_buffer_error(r->nft) != 0) {
        kp_rules_close(r);
        return NULL;
    }
    r->have_owner = true;
    return r;
}

void kp_rules_close(struct kp_rules *r)
{
    if (r == NULL)
        return;
    if (r->nft != NULL)
        nft_ctx_free(r->nft);
    free(r);
}

bool kp_rules_have_owner(struct kp_rules *r)
{
    return r->have_owner;
}

/* Appends the match of one address prefix in `family` ("inet" or
 * "netdev"): a prefix of length 0 matches its address family. */
static void add_prefix_match(struct kp_text *t, const char *dir, const struct pcapd_prefix *p,
                             bool netdev)
{
    bool v4 = p->family == PCAPD_FAMILY_IPV4;
    char text[64];
    if (p->len == 0)
        text_add(t, netdev ? "meta protocol %s " : "meta nfproto %s ",
                 netdev ? (v4 ? "ip" : "ip6") : (v4 ? "ipv4" : "ipv6"));
    else
        text_add(t, "%s %saddr %s ", v4 ? "ip" : "ip6", dir,
                 pcapd_prefix_format(p, text, sizeof(text)));
}

/* Appends the match of filter `f`, with the semantics of the DPDK path's
 * filter_matches(): a port constraint needs a protocol with ports, and
 * `th` reads nothing on later fragments. */
static void add_filter_match(struct kp_text *t, const struct pcapd_filter *f, bool netdev)
{
    if (f->fields & PCAPD_FILTER_SRC_ADDR)
        add_prefix_match(t, "s", &f->src, netdev);
    if (f->fields & PCAPD_FILTER_DST_ADDR)
        add_prefix_match(t, "d", &f->dst, netdev);
    if (f->fields & PCAPD_FILTER_PROTOCOL)
        text_add(t, "meta l4proto %u ", f->protocol);
    /* A port needs a protocol with ports, which a given one may be. */
    bool has_ports =
        (f->fields & PCAPD_FILTER_PROTOCOL) &&
        (f->protocol == 6 || f->protocol == 17 || f->protocol == 132 || f->protocol == 136);
    if ((f->fields & (PCAPD_FILTER_SRC_PORT | PCAPD_FILTER_DST_PORT)) && !has_ports)
        text_add(t, "meta l4proto " KP_PORT_PROTOCOLS " ");
    if (f->fields & PCAPD_FILTER_SRC_PORT)
        text_add(t, "th sport %u ", f->src_port);
    if (f->fields & PCAPD_FILTER_DST_PORT)
        text_add(t, "th dport %u ", f->dst_port);
}

/* Appends the job's rule after `pre` (extra matches of the hook). */
static void add_rule(struct kp_text *t, const struct kp_job_rules *j, const char *pre, bool netdev)
{
    text_add(t, "\t\t%s", pre);
    add_filter_match(t, &j->filter, netdev);
    text_add(t, "counter name \"matched\" ");
    if (j->sample_rate > 1)
        text_add(t, "numgen random mod %" PRIu32 " 0 ", j->sample_rate);
    text_add(t, "counter name \"logged\" log group %" PRIu32 " snaplen %" PRIu32, j->group,
             j->snaplen);
    text_add(t, " queue-threshold %" PRIu32 "\n", j->cfg->queue_threshold);
}

/* Appends the start of table `family` of job `j`, with its counters: a
 * new table (`create` fails if one of that name exists). */
static void add_table_head(struct kp_text *t, const struct kp_job_rules *j, const char *family)
{
    const char *flags = j->owner ? "\tflags owner\n" : "";
    text_add(t, "create table %s %s {\n%s}\ntable %s %s {\n%s", family, j->table, flags, family,
             j->table, flags);
    text_add(t, "\tcounter matched {\n\t}\n\tcounter logged {\n\t}\n");
}

/* Appends base chain `name` on `hook` (with `device` for netdev). */
static void add_chain_head(struct kp_text *t, const char *name, const char *hook,
                           const char *device, int priority)
{
    text_add(t, "\tchain %s {\n\t\ttype filter hook %s ", name, hook);
    if (device != NULL)
        text_add(t, "device \"%s\" ", device);
    text_add(t, "priority %d; policy accept;\n", priority);
}

int kp_rules_format(const struct kp_job_rules *j, char *buf, size_t size)
{
    const struct pcapd_filter *f = &j->filter;
    if ((f->fields & PCAPD_FILTER_SRC_ADDR) && (f->fields & PCAPD_FILTER_DST_ADDR) &&
        f->src.family != f->dst.family)
        return -EINVAL;
    struct kp_text t = {.buf = buf, .size = size};
    const struct pcapd_kp_config *cfg = j->cfg;
    if (cfg->hooks & (PCAPD_KP_HOOK_PREROUTING | PCAPD_KP_HOOK_OUTPUT)) {
        add_table_head(&t, j, "inet");
        if (cfg->hooks & PCAPD_KP_HOOK_PREROUTING) {
            add_chain_head(&t, "prerouting", "prerouting", NULL, cfg->priority);
            add_rule(&t, j, "", false);
            text_add(&t, "\t}\n");
        }
        if (cfg->hooks & PCAPD_KP_HOOK_OUTPUT) {
            add_chain_head(&t, "output", "output", NULL, cfg->priority);
            add_rule(&t, j, "meta oiftype != loopback ", false);
            text_add(&t, "\t}\n");
        }
        text_add(&t, "}\n");
    }
    if ((cfg->hooks & PCAPD_KP_HOOK_INGRESS) && cfg->n_ingress > 0) {
        add_table_head(&t, j, "netdev");
        for (unsigned i = 0; i < cfg->n_ingress; i++) {
            char chain[32];
            snprintf(chain, sizeof(chain), "ingress_%u", i);
            add_chain_head(&t, chain, "ingress", cfg->ingress[i], cfg->priority);
            add_rule(&t, j, "", true);
            text_add(&t, "\t}\n");
        }
        text_add(&t, "}\n");
    }
    return t.full ? -ENOSPC : (int)t.len;
}

/* The errno a libnftables error message names (it reports none itself). */
static int error_errno(const char *msg)
{
    static const int known[] = {EPERM,  ENOENT, EEXIST,     EBUSY,  ENOMEM,
                                ENOSPC, EACCES, EOPNOTSUPP, ENODEV, EPROTONOSUPPORT};
    for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strstr(msg, strerror(known[i])) != NULL)
            return -known[i];
    }
    return -EINVAL;
}

int kp_rules_run(struct kp_rules *r, const char *script, char *err, unsigned err_size)
{
    int rc = nft_run_cmd_from_buffer(r->nft, script);
    const char *msg = nft_ctx_get_error_buffer(r->nft);
    nft_ctx_get_output_buffer(r->nft); /* Empties it. */
    if (rc == 0)
        return 0;
    if (err != NULL) {
        /* The first line says it: "Error: ...". */
        size_t len = strcspn(msg, "\n");
        snprintf(err, err_size, "nftables: %.*s", (int)len, msg);
    }
    return error_errno(msg);
}

/* Runs `verb` ("flush" or "delete") on each of the job's tables. */
static int run_on_tables(struct kp_rules *r, const struct kp_job_rules *j, const char *verb)
{
    char script[256];
    struct kp_text t = {.buf = script, .size = sizeof(script)};
    if (j->cfg->hooks & (PCAPD_KP_HOOK_PREROUTING | PCAPD_KP_HOOK_OUTPUT))
        text_add(&t, "%s table inet %s\n", verb, j->table);
    if ((j->cfg->hooks & PCAPD_KP_HOOK_INGRESS) && j->cfg->n_ingress > 0)
        text_add(&t, "%s table netdev %s\n", verb, j->table);
    return t.len == 0 ? 0 : kp_rules_run(r, script, NULL, 0);
}

int kp_rules_flush(struct kp_rules *r, const struct kp_job_rules *j)
{
    return run_on_tables(r, j, "flush");
}

int kp_rules_delete(struct kp_rules *r, const struct kp_job_rules *j)
{
    return run_on_tables(r, j, "delete");
}

/* Adds the packets of counter `name` in listing `out` to `*sum`. */
static int add_counter(const char *out, const char *name, uint64_t *sum)
{
    char key[48];
    snprintf(key, sizeof(key), "counter %s {", name);
    const char *p = strstr(out, key);
    p = p != NULL ? strstr(p, "packets ") : NULL;
    if (p == NULL)
        return -ENOENT;
    *sum += strtoull(p + strlen("packets "), NULL, 10);
    return 0;
}

/* Adds the counters of table `family` of job `j`. */
static int read_table_counters(struct kp_rules *r, const struct kp_job_rules *j, const char *family,
                               uint64_t *matched, uint64_t *logged)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "list counters table %s %s", family, j->table);
    int rc = nft_run_cmd_from_buffer(r->nft, cmd);
    const char *msg = nft_ctx_get_error_buffer(r->nft);
    const char *out = nft_ctx_get_output_buffer(r->nft);
    if (rc != 0)
        return error_errno(msg);
    rc = add_counter(out, "matched", matched);
    return rc != 0 ? rc : add_counter(out, "logged", logged);
}

int kp_rules_counters(struct kp_rules *r, const struct kp_job_rules *j, uint64_t *matched,
                      uint64_t *logged)
{
    int rc = 0;
    *matched = *logged = 0;
    if (j->cfg->hooks & (PCAPD_KP_HOOK_PREROUTING | PCAPD_KP_HOOK_OUTPUT))
        rc = read_table_counters(r, j, "inet", matched, logged);
    if (rc == 0 && (j->cfg->hooks & PCAPD_KP_HOOK_INGRESS) && j->cfg->n_ingress > 0)
        rc = read_table_counters(r, j, "netdev", matched, logged);
    return rc;
}

int kp_rules_each_counters(struct kp_rules *r, kp_counters_fn fn, void *arg)
{
    if (nft_run_cmd_from_buffer(r->nft, "list counters") != 0)
        return error_errno(nft_ctx_get_error_buffer(r->nft));
    const char *out = nft_ctx_get_output_buffer(r->nft);
    const char prefix[] = "table ";
    for (const char *t = strstr(out, prefix); t != NULL;) {
        const char *next = strstr(t + 1, "\ntable ");
        char family[16], name[128], section[4096];
        size_t len = next != NULL ? (size_t)(next - t) : strlen(t);
        uint64_t matched = 0, logged = 0;
        /* A table of ours holds two counters: its section is short. */
        if (len < sizeof(section) && sscanf(t, "table %15s %127s", family, name) == 2 &&
            strncmp(name, PCAPD_KP_TABLE_PREFIX, strlen(PCAPD_KP_TABLE_PREFIX)) == 0) {
            memcpy(section, t, len);
            section[len] = '\0';
            if (add_counter(section, "matched", &matched) == 0 &&
                add_counter(section, "logged", &logged) == 0)
                fn(arg, name, matched, logged);
        }
        t = next != NULL ? next + 1 : NULL;
    }
    return 0;
}

int kp_rules_remove_leftovers(struct kp_rules *r)
{
    if (nft_run_cmd_from_buffer(r->nft, "list tables") != 0)
        return error_errno(nft_ctx_get_error_buffer(r->nft));
    char *out = strdup(nft_ctx_get_output_buffer(r->nft));
    if (out == NULL)
        return -ENOMEM;
    int removed = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char family[16], name[128], cmd[192];
        if (sscanf(line, "table %15s %127s", family, name) != 2 ||
            strncmp(name, PCAPD_KP_TABLE_PREFIX, strlen(PCAPD_KP_TABLE_PREFIX)) != 0)
            continue;
        /* A table another live process owns refuses (EPERM): it is not
         * left over. */
        snprintf(cmd, sizeof(cmd), "delete table %s %s", family, name);
        if (kp_rules_run(r, cmd, NULL, 0) == 0)
            removed++;
    }
    free(out);
    return removed;
}

/* Installs and deletes the probe table of `cfg` on `group`. */
static int probe_once(struct kp_rules *r, const struct pcapd_kp_config *cfg, uint32_t group,
                      char *err, unsigned err_size)
{
    /* Every expression a job uses: both families, prefixes, protocol and
     * port matches, sampling, named counters, log with snaplen and
     * batching. */
    struct kp_job_rules j = {
        .filter = {.fields = PCAPD_FILTER_SRC_ADDR | PCAPD_FILTER_DST_PORT | PCAPD_FILTER_PROTOCOL |
                             PCAPD_FILTER_SRC_PORT,
                   .src = {.family = PCAPD_FAMILY_IPV4, .len = 8, .addr = {10}},
                   .protocol = 17,
                   .src_port = 1,
                   .dst_port = 2},
        .sample_rate = 100,
        .group = group,
        .snaplen = 146,
        .cfg = cfg,
        .owner = r->have_owner,
    };
    snprintf(j.table, sizeof(j.table), PCAPD_KP_TABLE_PREFIX "probe_%d", (int)getpid());
    char script[4096];
    int rc = 0;
    for (int family = 0; family < 2 && rc == 0; family++) {
        if (family == 1)
            j.filter.src =
                (struct pcapd_prefix){.family = PCAPD_FAMILY_IPV6, .len = 32, .addr = {0x20, 1}};
        rc = kp_rules_format(&j, script, sizeof(script));
        if (rc >= 0)
            rc = kp_rules_run(r, script, err, err_size);
        if (rc == 0)
            rc = kp_rules_delete(r, &j);
    }
    return rc;
}

int kp_rules_probe(struct kp_rules *r, const struct pcapd_kp_config *cfg, uint32_t group, char *err,
                   unsigned err_size)
{
    int rc = probe_once(r, cfg, group, err, err_size);
    if (rc == -EOPNOTSUPP || rc == -EINVAL) {
        /* A kernel before the `owner` flag (5.12): tables of a dead
         * process are then removed at the next start. */
        r->have_owner = false;
        if (probe_once(r, cfg, group, NULL, 0) == 0)
            return 0;
        r->have_owner = true;
    }
    return rc;
}
