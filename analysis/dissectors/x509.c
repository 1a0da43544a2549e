/* Owns the X.509 certificate fields Wireshark 4.0's x509af, x509if and
 * x509sat dissectors record for a certificate in a TLS Certificate
 * message (TLS calls x509_certificate_fields()): version, serial number,
 * the issuer's and subject's names attribute by attribute (country,
 * printable, UTF-8 and teletex strings), the validity's UTC times and
 * the DNS names of the subject and issuer alternative names.  Wireshark
 * calls these dissectors through BER, as fields of TLS: the protocols
 * are no layer of the frame and match no filter.  DER is
 * walked by hand: a certificate Wireshark cannot decode shows the fields
 * read before the fault, as its exception leaves them. */
#include "dissectors/x509.h"

#include "dissectors/list.h"
#include "ws_text.h"

#include <string.h>

/* The protocols and their fields. */
static int proto_x509af, proto_x509if, proto_x509sat, proto_x509ce;
static int hf_version, hf_serial, hf_subject_rdns, hf_issuer_rdns, hf_rdn_item, hf_dirstring,
    hf_country, hf_printable, hf_utf8, hf_teletex, hf_utctime, hf_dnsname;

/* ASN.1 DER tags used here. */
enum {
    DER_INTEGER = 0x02,
    DER_OCTET_STRING = 0x04,
    DER_OID = 0x06,
    DER_UTF8 = 0x0c,
    DER_PRINTABLE = 0x13,
    DER_TELETEX = 0x14,
    DER_UTCTIME = 0x17,
    DER_SEQUENCE = 0x30,
    DER_SET = 0x31,
    DER_VERSION = 0xa0,    /* [0] EXPLICIT: the version. */
    DER_EXTENSIONS = 0xa3, /* [3] EXPLICIT: the extensions. */
    DER_DNS_NAME = 0x82,   /* [2] IMPLICIT IA5String: a GeneralName's dNSName. */
};

/* One DER element: its tag and content. */
struct der {
    uint8_t tag;      /* Its tag byte. */
    const uint8_t *p; /* Its content. */
    size_t len;       /* Content length. */
};

/* Reads the element at *p (before end) into *e and moves *p past it;
 * returns false when it is not whole (Wireshark's exception). */
static bool der_next(const uint8_t **p, const uint8_t *end, struct der *e)
{
    const uint8_t *q = *p;
    if (end - q < 2)
        return false;
    e->tag = q[0];
    size_t len = q[1];
    q += 2;
    if (len & 0x80) {
        size_t n = len & 0x7f;
        if (n == 0 || n > 4 || (size_t)(end - q) < n)
            return false;
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | q[i];
        q += n;
    }
    if ((size_t)(end - q) < len)
        return false;
    e->p = q;
    e->len = len;
    *p = q + len;
    return true;
}

/* Reads the element at *p, which must have the given tag. */
static bool der_expect(const uint8_t **p, const uint8_t *end, uint8_t tag, struct der *e)
{
    return der_next(p, end, e) && e->tag == tag;
}

/* Returns the number of elements in n bytes at p. */
static uint32_t der_count(const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    struct der e;
    uint32_t count = 0;
    while (p < end && der_next(&p, end, &e))
        count++;
    return count;
}

/* Returns true when e is the OID 2.5.4.x (an attribute type of X.520) for x. */
static bool oid_at(const struct der *e, uint8_t x)
{
    return e->tag == DER_OID && e->len == 3 && e->p[0] == 0x55 && e->p[1] == 4 && e->p[2] == x;
}

/* Records a string field of n bytes at p. */
static void x509_string(struct frame_fields *ff, int id, const uint8_t *p, size_t n)
{
    char text[WS_FORMAT_TEXT_MAX(256)];
    if (!fields_want(ff, id))
        return;
    if (n > 256)
        n = 256;
    field_add_string(ff, id, text, ws_raw_field(p, n, text));
}

/* Records a DirectoryString: the choice Wireshark numbers, and its string. */
static void directory_string(struct frame_fields *ff, const struct der *v)
{
    switch (v->tag) {
    case DER_TELETEX:
        field_add_uint(ff, hf_dirstring, 0);
        x509_string(ff, hf_teletex, v->p, v->len);
        break;
    case DER_PRINTABLE:
        field_add_uint(ff, hf_dirstring, 1);
        x509_string(ff, hf_printable, v->p, v->len);
        break;
    case DER_UTF8:
        field_add_uint(ff, hf_dirstring, 4);
        x509_string(ff, hf_utf8, v->p, v->len);
        break;
    default:
        break;
    }
}

/* Records one attribute of a name (SEQUENCE {type, value}): a country's
 * code, or the directory string of the X.520 attributes that have one. */
static void attribute(struct frame_fields *ff, const struct der *a)
{
    const uint8_t *p = a->p, *end = a->p + a->len;
    struct der type, value;
    if (!der_expect(&p, end, DER_OID, &type) || !der_next(&p, end, &value))
        return;
    if (oid_at(&type, 6)) {
        x509_string(ff, hf_country, value.p, value.len);
        return;
    }
    static const uint8_t directory_types[] = {3,  4,  7,  8,  9,  10, 11, 12,
                                              15, 17, 41, 42, 43, 44, 65};
    for (size_t i = 0; i < sizeof(directory_types); i++)
        if (oid_at(&type, directory_types[i]))
            directory_string(ff, &value);
}

/* Records a Name (an RDNSequence): its number of RDNs (in the issuer's or
 * subject's field), and each RDN's number of attributes and attributes. */
static void name_fields(struct frame_fields *ff, int hf_count, const struct der *name)
{
    const uint8_t *p = name->p, *end = name->p + name->len;
    struct der rdn;
    field_add_uint(ff, hf_count, der_count(name->p, name->len));
    while (p < end && der_expect(&p, end, DER_SET, &rdn)) {
        field_add_uint(ff, hf_rdn_item, der_count(rdn.p, rdn.len));
        const uint8_t *q = rdn.p, *rend = rdn.p + rdn.len;
        struct der a;
        while (q < rend && der_expect(&q, rend, DER_SEQUENCE, &a))
            attribute(ff, &a);
    }
}

/* Records a UTCTime (YYMMDDHHMMSSZ) as Wireshark prints it:
 * "YYYY-MM-DD HH:MM:SS (UTC)", years before 50 in the 21st century. */
static void utc_time(struct frame_fields *ff, const struct der *t)
{
    char text[32];
    if (t->tag != DER_UTCTIME || t->len != 13 || t->p[12] != 'Z')
        return;
    const char *d = (const char *)t->p;
    memcpy(text, d[0] < '5' ? "20" : "19", 2);
    memcpy(text + 2, d, 2);
    text[4] = '-';
    memcpy(text + 5, d + 2, 2);
    text[7] = '-';
    memcpy(text + 8, d + 4, 2);
    text[10] = ' ';
    memcpy(text + 11, d + 6, 2);
    text[13] = ':';
    memcpy(text + 14, d + 8, 2);
    text[16] = ':';
    memcpy(text + 17, d + 10, 2);
    memcpy(text + 19, " (UTC)", 6);
    field_add_string(ff, hf_utctime, text, 25);
}

/* Records the DNS names of an alternative name extension's GeneralNames. */
static void alt_names(struct frame_fields *ff, const struct der *value)
{
    const uint8_t *p = value->p, *end = value->p + value->len;
    struct der names, n;
    if (!der_expect(&p, end, DER_SEQUENCE, &names))
        return;
    for (p = names.p, end = names.p + names.len; p < end && der_next(&p, end, &n);)
        if (n.tag == DER_DNS_NAME)
            x509_string(ff, hf_dnsname, n.p, n.len);
}

/* Records the fields of the extensions ([3] EXPLICIT SEQUENCE OF
 * Extension) Wireshark decodes here: subject and issuer alternative names. */
static void extensions(struct frame_fields *ff, const struct der *ext)
{
    const uint8_t *p = ext->p, *end = ext->p + ext->len;
    struct der list, e;
    if (!der_expect(&p, end, DER_SEQUENCE, &list))
        return;
    for (p = list.p, end = list.p + list.len; p < end && der_expect(&p, end, DER_SEQUENCE, &e);) {
        const uint8_t *q = e.p, *eend = e.p + e.len;
        struct der id, v;
        if (!der_expect(&q, eend, DER_OID, &id) || !der_next(&q, eend, &v))
            continue;
        if (v.tag != DER_OCTET_STRING && !der_next(&q, eend, &v))
            continue; /* The critical flag came first. */
        if (id.len == 3 && id.p[0] == 0x55 && id.p[1] == 0x1d && (id.p[2] == 17 || id.p[2] == 18))
            alt_names(ff, &v);
    }
}

/* Records the fields of a DER certificate of n bytes at p. */
void x509_certificate_fields(struct frame_fields *ff, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    struct der cert, tbs, e;
    if (!der_expect(&p, end, DER_SEQUENCE, &cert))
        return;
    p = cert.p;
    end = cert.p + cert.len;
    if (!der_expect(&p, end, DER_SEQUENCE, &tbs))
        return;
    p = tbs.p;
    end = tbs.p + tbs.len;
    if (!der_next(&p, end, &e))
        return;
    if (e.tag == DER_VERSION) {
        const uint8_t *q = e.p;
        struct der v;
        if (der_expect(&q, e.p + e.len, DER_INTEGER, &v) && v.len == 1)
            field_add_int(ff, hf_version, v.p[0]);
        if (!der_next(&p, end, &e))
            return;
    }
    if (e.tag != DER_INTEGER)
        return;
    field_add_bytes(ff, hf_serial, e.p, e.len);
    struct der sig, issuer, validity, subject;
    if (!der_expect(&p, end, DER_SEQUENCE, &sig) || !der_expect(&p, end, DER_SEQUENCE, &issuer))
        return;
    name_fields(ff, hf_issuer_rdns, &issuer);
    if (!der_expect(&p, end, DER_SEQUENCE, &validity))
        return;
    const uint8_t *q = validity.p, *vend = validity.p + validity.len;
    while (q < vend && der_next(&q, vend, &e))
        utc_time(ff, &e);
    if (!der_expect(&p, end, DER_SEQUENCE, &subject))
        return;
    name_fields(ff, hf_subject_rdns, &subject);
    while (p < end && der_next(&p, end, &e))
        if (e.tag == DER_EXTENSIONS)
            extensions(ff, &e);
}

/* Returns true when ff wants an X.509 field. */
bool x509_fields_wanted(const struct frame_fields *ff)
{
    const int protos[] = {proto_x509af, proto_x509if, proto_x509sat, proto_x509ce};
    for (size_t i = 0; i < ARRAY_COUNT(protos); i++)
        if (fields_want_proto(ff, protos[i]) || fields_want(ff, protos[i]))
            return true;
    return false;
}

/* Registers the X.509 protocols and fields (ids in one run, x509af first). */
static void x509_register(void)
{
    static const struct field_reg af[] = {
        HF(&hf_version, "x509af.version", "version", FT_INT32, BASE_DEC, 0, NULL),
        HF(&hf_serial, "x509af.serialNumber", "serialNumber", FT_BYTES, BASE_NONE, 0, NULL),
        HF(&hf_subject_rdns, "x509af.rdnSequence", "rdnSequence", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_utctime, "x509af.utcTime", "utcTime", FT_STRING, BASE_NONE, 0, NULL),
    };
    static const struct field_reg ifs[] = {
        HF(&hf_issuer_rdns, "x509if.rdnSequence", "rdnSequence", FT_UINT32, BASE_DEC, 0, NULL),
        HF(&hf_rdn_item, "x509if.RDNSequence_item", "RDNSequence item", FT_UINT32, BASE_DEC, 0,
           NULL),
    };
    static const struct field_reg sat[] = {
        HF(&hf_dirstring, "x509sat.DirectoryString", "DirectoryString", FT_UINT32, BASE_DEC, 0,
           NULL),
        HF(&hf_country, "x509sat.CountryName", "CountryName", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_printable, "x509sat.printableString", "printableString", FT_STRING, BASE_NONE, 0,
           NULL),
        HF(&hf_utf8, "x509sat.uTF8String", "uTF8String", FT_STRING, BASE_NONE, 0, NULL),
        HF(&hf_teletex, "x509sat.teletexString", "teletexString", FT_STRING, BASE_NONE, 0, NULL),
    };
    static const struct field_reg ce[] = {
        HF(&hf_dnsname, "x509ce.dNSName", "dNSName", FT_STRING, BASE_NONE, 0, NULL),
    };
    proto_x509af = registry_proto("x509af", "X.509 Authentication Framework");
    registry_fields(proto_x509af, af, ARRAY_COUNT(af));
    proto_x509if = registry_proto("x509if", "X.509 Information Framework");
    registry_fields(proto_x509if, ifs, ARRAY_COUNT(ifs));
    proto_x509sat = registry_proto("x509sat", "X.509 Selected Attribute Types");
    registry_fields(proto_x509sat, sat, ARRAY_COUNT(sat));
    proto_x509ce = registry_proto("x509ce", "X.509 Certificate Extensions");
    registry_fields(proto_x509ce, ce, ARRAY_COUNT(ce));
}

const struct dissector_module dissector_x509 = {x509_register, NULL};
