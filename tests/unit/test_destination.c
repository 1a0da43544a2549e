/*
 * Destination strings (control/destination.c): each scheme's store and
 * URLs, the rules and their messages, credentials from the string or the
 * configuration, identities, and redaction (no message quotes a secret).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "destination.h"

/* Parses `conf`, which must be valid. */
static struct destination parse_ok(const char *conf)
{
    struct destination d;
    char err[256] = "";
    int rc = destination_parse(conf, &d, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s", conf, err);
    return d;
}

/* The URL of object `key` of `conf`. */
static const char *url_of(const char *conf, const char *key, const char *query)
{
    static char url[1024];
    struct destination d = parse_ok(conf);
    assert_int_equal(destination_object_url(&d, key, query, url, sizeof(url)), 0);
    return url;
}

static void test_schemes_and_urls(void **state)
{
    (void)state;
    assert_string_equal(url_of("s3://pcaps-bucket/a/b?region=eu-west-1", "a/b/pcap_1.pcap", ""),
                        "https://pcaps-bucket.s3.eu-west-1.amazonaws.com/a/b/pcap_1.pcap");
    /* A dotted bucket goes in the path (its host would not match TLS). */
    assert_string_equal(url_of("s3://my.bucket?region=us-east-1", "k", ""),
                        "https://s3.us-east-1.amazonaws.com/my.bucket/k");
    assert_string_equal(url_of("r2://logs/pcaps?account-id=abc123", "pcaps/x", "?uploads="),
                        "https://abc123.r2.cloudflarestorage.com/logs/pcaps/x?uploads=");
    assert_string_equal(url_of("gs://gbucket/", "o", ""),
                        "https://storage.googleapis.com/gbucket/o");
    assert_string_equal(
        url_of("s3://b-1/p?endpoint=http://127.0.0.1:9000", "p/a b+c", "?partNumber=1"),
        "http://127.0.0.1:9000/b-1/p/a%20b%2Bc?partNumber=1");
    struct destination d = parse_ok("r2://logs?account-id=abc123");
    assert_string_equal(d.region, "auto");
    d = parse_ok("s3://b-1/x//?region=us-west-2&endpoint=https://minio.example:9000");
    assert_string_equal(d.prefix, "x");
    assert_string_equal(d.region, "us-west-2");
    char key[64];
    destination_object_key(&d, "pcap_1.pcap", key, sizeof(key));
    assert_string_equal(key, "x/pcap_1.pcap");
    d = parse_ok("gs://gbucket");
    destination_object_key(&d, "pcap_1.pcap", key, sizeof(key));
    assert_string_equal(key, "pcap_1.pcap");
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *conf, *words;
    } cases[] = {
        {"ftp://bucket", "must be s3://"},
        {"s3://ab?region=x", "bucket name"},
        {"s3://Upper?region=x", "bucket name"},
        {"s3://-bucket?region=x", "bucket name"},
        {"s3://bucket", "needs ?region"},
        {"r2://bucket", "needs ?account-id"},
        {"s3://bucket?region", "NAME=VALUE"},
        {"s3://bucket?region=", "must have a value"},
        {"s3://bucket?colour=red", "unknown parameter 'colour'"},
        {"s3://bucket?region=x&endpoint=http://10.0.0.1", "plain http only on loopback"},
        {"s3://bucket?region=x&endpoint=https://h/path", "no path"},
        {"s3://bucket?region=x&endpoint=https://u@h", "no path"},
        {"s3://bucket?region=%zz", "NAME=VALUE"},
        {"s3://bucket?region=x&access-key-id=AKIDSECRETLOOKING", "together"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct destination d;
        char err[256] = "";
        assert_int_equal(destination_parse(cases[i].conf, &d, err, sizeof(err)), -1);
        if (strstr(err, cases[i].words) == NULL || strncmp(err, "destination_conf: ", 18) != 0)
            fail_msg("%s: %s", cases[i].conf, err);
        assert_null(strstr(err, "AKIDSECRETLOOKING"));
    }
}

static void test_credentials(void **state)
{
    (void)state;
    struct config_delivery cfg = {.n_credentials = 1};
    strcpy(cfg.credentials[0].bucket, "s3://pcaps");
    strcpy(cfg.credentials[0].access_key_id, "KEYID");
    strcpy(cfg.credentials[0].secret_access_key, "SECRET");
    char err[256];
    struct destination d = parse_ok("s3://pcaps/x?region=r");
    assert_int_equal(destination_credentials(&d, &cfg, err, sizeof(err)), 0);
    assert_string_equal(d.access_key_id, "KEYID");
    assert_string_equal(d.secret_access_key, "SECRET");
    /* The string's own credentials win. */
    d = parse_ok("s3://pcaps?region=r&access-key-id=A&secret-access-key=B%2Fc");
    assert_int_equal(destination_credentials(&d, &cfg, err, sizeof(err)), 0);
    assert_string_equal(d.secret_access_key, "B/c");
    /* Same bucket name, another store: none. */
    d = parse_ok("gs://pcaps");
    assert_int_equal(destination_credentials(&d, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no credentials for gs://pcaps"));
}

static void test_identity_and_redaction(void **state)
{
    (void)state;
    char a[1024], b[1024], c[1024];
    struct destination d = parse_ok("s3://pcaps/x?region=r&access-key-id=A&secret-access-key=B");
    destination_identity(&d, a, sizeof(a));
    d = parse_ok("s3://pcaps/x/?region=r");
    destination_identity(&d, b, sizeof(b));
    d = parse_ok("s3://pcaps/y?region=r");
    destination_identity(&d, c, sizeof(c));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_null(strstr(a, "B"));
    char out[256];
    destination_redact("r2://l/p?account-id=abc&access-key-id=AKID&secret-access-key=s3cr3t", out,
                       sizeof(out));
    assert_string_equal(
        out, "r2://l/p?account-id=abc&access-key-id=REDACTED&secret-access-key=REDACTED");
    destination_encode("a+b/c=d~e_f.g-h", out, sizeof(out));
    assert_string_equal(out, "a%2Bb%2Fc%3Dd~e_f.g-h");
    assert_int_equal(destination_encode("abcd", out, 4), -1);
    destination_redact("gs://b", out, sizeof(out));
    assert_string_equal(out, "gs://b");
    /* A value that is not a parameter's is left as is; a cut one too. */
    destination_redact("s3://b?region=r&secret-access-key", out, sizeof(out));
    assert_string_equal(out, "s3://b?region=r&secret-access-key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schemes_and_urls),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_identity_and_redaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
