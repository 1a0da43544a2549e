/*
 * Unit tests for QUIC Initial decryption (analysis/quic_initial.h) and the
 * TLS handshake parsing it feeds (analysis/tls_hello.h), against the
 * published test vectors: RFC 9001 Appendix A (QUIC v1: keys for the client
 * DCID 0x8394c8f03e515708, the header protection sample, the protected
 * client Initial of A.2 and server Initial of A.3) and RFC 9369 Appendix A
 * (the same for QUIC v2), plus RFC 9000's packet number decoding example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fields.h"
#include "quic_initial.h"
#include "tls_hello.h"

/* The client's Destination Connection ID of both RFCs' examples. */
#define RFC_DCID "8394c8f03e515708"

/* RFC 9001 A.2 and RFC 9369 A.2: the CRYPTO frame carrying the ClientHello
 * (for server name "example.com"); PADDING extends it to 1162 bytes. */
#define A2_CRYPTO_FRAME                                                                            \
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"                             \
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"                             \
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"                             \
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"                             \
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"                             \
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"                             \
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"                             \
    "75300901100f088394c8f03e51570806048000ffff"

/* RFC 9001 A.2: the protected client Initial packet (1200 bytes). */
#define V1_A2_PACKET                                                                               \
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"                             \
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"                             \
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"                             \
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"                             \
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"                             \
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"                             \
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"                             \
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"                             \
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"                             \
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"                             \
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"                             \
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"                             \
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"                             \
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"                             \
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"                             \
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"                             \
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"                             \
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"                             \
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"                             \
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"                             \
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"                             \
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"                             \
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"                             \
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"                             \
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"                             \
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"                             \
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"                             \
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"                             \
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"                             \
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"                             \
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"                             \
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"                             \
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"                             \
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"                             \
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"                             \
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"                             \
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"                             \
    "e221af44860018ab0856972e194cd934"

/* RFC 9001 A.3 and RFC 9369 A.3: the server Initial's payload (an ACK
 * frame and a CRYPTO frame with the ServerHello). */
#define A3_PAYLOAD                                                                                 \
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"                             \
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"                             \
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"                             \
    "020304"

/* RFC 9001 A.3: the protected server Initial packet. */
#define V1_A3_PACKET                                                                               \
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"                             \
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"                             \
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"                             \
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"                             \
    "2158407dd074ee"

/* RFC 9369 A.2: the protected client Initial packet (1200 bytes). */
#define V2_A2_PACKET                                                                               \
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"                             \
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"                             \
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"                             \
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"                             \
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"                             \
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"                             \
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"                             \
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"                             \
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"                             \
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"                             \
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"                             \
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"                             \
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"                             \
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"                             \
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"                             \
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"                             \
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"                             \
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"                             \
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"                             \
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"                             \
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"                             \
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"                             \
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"                             \
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"                             \
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"                             \
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"                             \
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"                             \
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"                             \
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"                             \
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"                             \
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"                             \
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"                             \
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"                             \
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"                             \
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"                             \
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"                             \
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"                             \
    "a18b2faa745b6fe189cf772a9f84cbfc"

/* RFC 9369 A.3: the protected server Initial packet. */
#define V2_A3_PACKET                                                                               \
    "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"                             \
    "baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"                             \
    "f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"                             \
    "c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"                             \
    "4bed8521e2e140"

/* Decodes a hex string into a new buffer, storing its length in *len. */
static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *out = malloc(n ? n : 1);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    *len = n;
    return out;
}

/* Asserts that n bytes at got equal the hex string want. */
static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    size_t wlen;
    uint8_t *w = unhex(want, &wlen);
    assert_int_equal(n, wlen);
    assert_memory_equal(got, w, n);
    free(w);
}

/* Asserts the keys derived for one direction against the RFC's values. */
static void check_keys(uint32_t version, bool server, const char *key, const char *iv,
                       const char *hp)
{
    size_t dlen;
    uint8_t *dcid = unhex(RFC_DCID, &dlen);
    struct quic_keys k;
    assert_int_equal(quic_initial_keys(version, dcid, dlen, server, &k), 0);
    assert_hex(k.key, sizeof(k.key), key);
    assert_hex(k.iv, sizeof(k.iv), iv);
    assert_hex(k.hp, sizeof(k.hp), hp);
    free(dcid);
}

/* RFC 9001 A.1: the initial secret and both directions' keys. */
static void test_v1_keys(void **state)
{
    (void)state;
    size_t dlen;
    uint8_t *dcid = unhex(RFC_DCID, &dlen);
    uint8_t secret[32];
    assert_int_equal(quic_initial_secret(QUIC_VERSION_1, dcid, dlen, secret), 0);
    assert_hex(secret, 32, "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44");
    uint8_t client[32];
    assert_int_equal(quic_hkdf_expand_label(secret, "client in", client, 32), 0);
    assert_hex(client, 32, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    free(dcid);
    check_keys(QUIC_VERSION_1, false, "1f369613dd76d5467730efcbe3b1a22d",
               "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
    check_keys(QUIC_VERSION_1, true, "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e",
               "c206b8d9b9f0f37644430b490eeaa314");
}

/* RFC 9369 A.1: both directions' keys for QUIC v2. */
static void test_v2_keys(void **state)
{
    (void)state;
    size_t dlen;
    uint8_t *dcid = unhex(RFC_DCID, &dlen);
    uint8_t secret[32];
    assert_int_equal(quic_initial_secret(QUIC_VERSION_2, dcid, dlen, secret), 0);
    assert_hex(secret, 32, "2062e8b3cd8d52092614b8071d0aa1fb7c2e3ac193f78b280e72d8f5751f6aba");
    uint8_t client[32];
    assert_int_equal(quic_hkdf_expand_label(secret, "client in", client, 32), 0);
    assert_hex(client, 32, "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
    free(dcid);
    check_keys(QUIC_VERSION_2, false, "8b1a0bc121284290a29e0971b5cd045d",
               "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
    check_keys(QUIC_VERSION_2, true, "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652",
               "edf6d05c83121201b436e16877593c3a");
}

/* RFC 9001 A.2 and A.3, RFC 9369 A.2 and A.3: header protection masks
 * computed from the published samples. */
static void test_hp_masks(void **state)
{
    (void)state;
    static const struct {
        const char *hp, *sample, *mask;
    } cases[] = {
        {"9f50449e04a0e810283a1e9933adedd2", "d1b1c98dd7689fb8ec11d242b123dc9b", "437b9aec36"},
        {"c206b8d9b9f0f37644430b490eeaa314", "2cd0991cd25b0aac406a5816b6394100", "2ec0d8356a"},
        {"45b95e15235d6f45a6b19cbcb0294ba9", "ffe67b6abcdb4298b485dd04de806071", "94a0c95e80"},
        {"edf6d05c83121201b436e16877593c3a", "6f05d8a4398c47089698baeea26b91eb", "4dd92e91ea"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n;
        uint8_t *hp = unhex(cases[i].hp, &n), *sample = unhex(cases[i].sample, &n);
        uint8_t mask[5];
        assert_int_equal(quic_hp_mask(hp, sample, mask), 0);
        assert_hex(mask, 5, cases[i].mask);
        free(hp);
        free(sample);
    }
}

/* The state one CRYPTO-frame callback fills: the last frame seen. */
struct crypto_seen {
    unsigned count;      /* Number of CRYPTO frames. */
    uint64_t offset;     /* Offset of the last one. */
    const uint8_t *data; /* Its data. */
    size_t len;          /* Its length. */
};

/* Remembers a CRYPTO frame (a quic_crypto_fn). */
static void on_crypto(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    struct crypto_seen *s = ctx;
    s->count++;
    s->offset = offset;
    s->data = data;
    s->len = len;
}

/* Decrypts a published protected Initial with the keys derived for its
 * direction and checks the packet number and the plaintext payload (the
 * given hex, then zero padding up to its length). */
static void check_initial(const char *packet_hex, uint32_t version, bool server, uint64_t want_pn,
                          const char *payload_hex, uint8_t *out, size_t *out_len)
{
    size_t n, dlen, plen;
    uint8_t *pkt = unhex(packet_hex, &n);
    uint8_t *dcid = unhex(RFC_DCID, &dlen);
    uint8_t *payload = unhex(payload_hex, &plen);
    struct quic_long_header h;
    assert_int_equal(quic_parse_long_header(pkt, n, &h), 0);
    assert_int_equal(h.version, version);
    assert_int_equal(h.type, QUIC_LT_INITIAL);
    assert_int_equal(h.packet_len, n);
    struct quic_keys k;
    assert_int_equal(quic_initial_keys(version, dcid, dlen, server, &k), 0);
    uint64_t pn;
    assert_int_equal(quic_decrypt_long(&k, pkt, &h, 0, out, 2048, out_len, &pn), 0);
    assert_int_equal(pn, want_pn);
    assert_true(*out_len >= plen);
    assert_memory_equal(out, payload, plen);
    for (size_t i = plen; i < *out_len; i++)
        assert_int_equal(out[i], 0);
    /* Any flipped bit of the protected packet makes the AEAD check fail. */
    pkt[n - 1] ^= 1;
    uint8_t scratch[2048];
    size_t slen;
    assert_int_equal(quic_decrypt_long(&k, pkt, &h, 0, scratch, sizeof(scratch), &slen, &pn), -1);
    free(pkt);
    free(dcid);
    free(payload);
}

/* Feeds one CRYPTO chunk to the TLS handshake parser and returns the store. */
static void parse_crypto(struct frame_fields *ff, const uint8_t *data, size_t len)
{
    struct tls_hs_state st = {0};
    frame_fields_init(ff);
    frame_fields_want(ff, tls_hf_handshake_type);
    frame_fields_want(ff, tls_hf_server_name);
    tls_handshake_chunk(&st, ff, data, len, false, false);
    tls_hs_state_free(&st);
}

/* Checks a decrypted client Initial: one CRYPTO frame at offset 0 whose
 * ClientHello names "example.com". */
static void check_client_hello(const uint8_t *payload, size_t len)
{
    struct crypto_seen seen = {0};
    assert_int_equal(quic_walk_frames(payload, len, on_crypto, &seen), 0);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.offset, 0);
    assert_int_equal(seen.len, 241);
    struct frame_fields ff;
    parse_crypto(&ff, seen.data, seen.len);
    assert_int_equal(ff.n, 2);
    assert_int_equal(ff.vals[0].id, tls_hf_handshake_type);
    assert_int_equal(ff.vals[0].v.u, 1);
    assert_int_equal(ff.vals[1].id, tls_hf_server_name);
    assert_int_equal(ff.vals[1].v.str.len, 11);
    assert_memory_equal(field_string(&ff, &ff.vals[1]), "example.com", 11);
    frame_fields_free(&ff);
}

/* Checks a decrypted server Initial: an ACK, then a CRYPTO frame with a ServerHello. */
static void check_server_hello(const uint8_t *payload, size_t len)
{
    struct crypto_seen seen = {0};
    assert_int_equal(quic_walk_frames(payload, len, on_crypto, &seen), 0);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.offset, 0);
    assert_int_equal(seen.len, 90);
    struct frame_fields ff;
    parse_crypto(&ff, seen.data, seen.len);
    assert_int_equal(ff.n, 1);
    assert_int_equal(ff.vals[0].v.u, 2);
    frame_fields_free(&ff);
}

/* RFC 9001 A.2: the protected client Initial decrypts to the published payload. */
static void test_v1_client_initial(void **state)
{
    (void)state;
    uint8_t out[2048];
    size_t len;
    check_initial(V1_A2_PACKET, QUIC_VERSION_1, false, 2, A2_CRYPTO_FRAME, out, &len);
    assert_int_equal(len, 1162);
    check_client_hello(out, len);
}

/* RFC 9001 A.3: the protected server Initial decrypts to the published payload. */
static void test_v1_server_initial(void **state)
{
    (void)state;
    uint8_t out[2048];
    size_t len;
    check_initial(V1_A3_PACKET, QUIC_VERSION_1, true, 1, A3_PAYLOAD, out, &len);
    assert_int_equal(len, 99);
    check_server_hello(out, len);
}

/* RFC 9369 A.2: the QUIC v2 client Initial decrypts to the same payload. */
static void test_v2_client_initial(void **state)
{
    (void)state;
    uint8_t out[2048];
    size_t len;
    check_initial(V2_A2_PACKET, QUIC_VERSION_2, false, 2, A2_CRYPTO_FRAME, out, &len);
    assert_int_equal(len, 1162);
    check_client_hello(out, len);
}

/* RFC 9369 A.3: the QUIC v2 server Initial decrypts to the same payload. */
static void test_v2_server_initial(void **state)
{
    (void)state;
    uint8_t out[2048];
    size_t len;
    check_initial(V2_A3_PACKET, QUIC_VERSION_2, true, 1, A3_PAYLOAD, out, &len);
    assert_int_equal(len, 99);
    check_server_hello(out, len);
}

/* RFC 9000 A.3's example, and small numbers before any packet was seen. */
static void test_packet_number_decoding(void **state)
{
    (void)state;
    assert_int_equal(quic_decode_pn(0xa82f30ea, 0x9b32, 2), 0xa82f9b32);
    assert_int_equal(quic_decode_pn(0, 2, 4), 2);
    assert_int_equal(quic_decode_pn(0, 0, 1), 0);
    assert_int_equal(quic_decode_pn(0xff, 0x01, 1), 0x101);
}

/* Headers that lie about their lengths are refused; a truncated protected
 * packet cannot be decrypted. */
static void test_hostile_headers(void **state)
{
    (void)state;
    size_t n;
    uint8_t *pkt = unhex(V1_A2_PACKET, &n);
    struct quic_long_header h;
    assert_int_equal(quic_parse_long_header(pkt, n - 1, &h), -1); /* Length runs past the end. */
    assert_int_equal(quic_parse_long_header(pkt, 6, &h), -1);
    pkt[5] = 21; /* A DCID longer than QUIC allows. */
    assert_int_equal(quic_parse_long_header(pkt, n, &h), -1);
    pkt[5] = 0xff;
    assert_int_equal(quic_parse_long_header(pkt, n, &h), -1);
    free(pkt);
    static const uint8_t bad_crypto[] = {0x06, 0x00, 0x40, 0xff, 0x01}; /* Length past the end. */
    struct crypto_seen seen = {0};
    assert_int_equal(quic_walk_frames(bad_crypto, sizeof(bad_crypto), on_crypto, &seen), -1);
    assert_int_equal(seen.count, 0);
    static const uint8_t ack_ranges[] = {0x02, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x00};
    assert_int_equal(quic_walk_frames(ack_ranges, sizeof(ack_ranges), on_crypto, &seen), -1);
}

/* A ClientHello handed over in three chunks reports its type and name once,
 * when the last chunk completes it; a following message in the same chunk
 * is reported too. */
static void test_split_client_hello(void **state)
{
    (void)state;
    size_t n;
    uint8_t *frame = unhex(A2_CRYPTO_FRAME, &n);
    const uint8_t *hello = frame + 4; /* Skip the CRYPTO frame header. */
    size_t len = n - 4;
    uint8_t *buf = malloc(len + 4);
    assert_non_null(buf);
    memcpy(buf, hello, len);
    memcpy(buf + len, "\x14\x00\x00\x00", 4); /* An empty Finished after it. */
    struct tls_hs_state st = {0};
    struct frame_fields ff;
    frame_fields_init(&ff);
    frame_fields_want(&ff, tls_hf_handshake_type);
    frame_fields_want(&ff, tls_hf_server_name);
    tls_handshake_chunk(&st, &ff, buf, 2, false, false);
    tls_handshake_chunk(&st, &ff, buf + 2, 100, false, false);
    assert_int_equal(ff.n, 0);
    tls_handshake_chunk(&st, &ff, buf + 102, len + 4 - 102, false, false);
    assert_int_equal(ff.n, 3);
    assert_int_equal(ff.vals[0].v.u, 1);
    assert_memory_equal(field_string(&ff, &ff.vals[1]), "example.com", 11);
    assert_int_equal(ff.vals[2].v.u, 20);
    assert_false(st.active);
    tls_hs_state_free(&st);
    frame_fields_free(&ff);
    free(buf);
    free(frame);
}

/* Wireshark's heuristic for encrypted handshake records: a zero explicit
 * nonce, a record after the direction's ChangeCipherSpec, or an unknown
 * message type mean no message is reported; short records are plaintext. */
static void test_encrypted_records(void **state)
{
    (void)state;
    uint8_t rec[40];
    memset(rec, 0x11, sizeof(rec));
    rec[0] = 20; /* Finished, whose length says 0x111111: not plausible. */
    struct tls_hs_state st = {0};
    struct frame_fields ff;
    frame_fields_init(&ff);
    frame_fields_want(&ff, tls_hf_handshake_type);
    tls_handshake_chunk(&st, &ff, rec, sizeof(rec), true, false);
    assert_int_equal(ff.n, 0);
    rec[1] = 0;
    rec[2] = 0;
    rec[3] = 36;                                                 /* Now a well-formed Finished... */
    tls_handshake_chunk(&st, &ff, rec, sizeof(rec), true, true); /* ...after CCS. */
    assert_int_equal(ff.n, 0);
    tls_handshake_chunk(&st, &ff, rec, sizeof(rec), true, false);
    assert_int_equal(ff.n, 1);
    memset(rec, 0, 8);
    tls_handshake_chunk(&st, &ff, rec, sizeof(rec), true, false); /* A zero nonce. */
    assert_int_equal(ff.n, 1);
    static const uint8_t hello_request[4] = {0, 0, 0, 0};
    tls_handshake_chunk(&st, &ff, hello_request, 4, true, true); /* Short: plaintext. */
    assert_int_equal(ff.n, 2);
    assert_int_equal(ff.vals[1].v.u, 0);
    tls_hs_state_free(&st);
    frame_fields_free(&ff);
}

/* A small deterministic generator (xorshift64*) for the random-input test. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Feeds a CRYPTO frame to a persistent TLS state (a quic_crypto_fn). */
static void feed_tls(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    (void)offset;
    struct frame_fields *ff = ctx;
    static struct tls_hs_state st;
    tls_handshake_chunk(&st, ff, data, len, offset & 1, offset & 2);
    if (len == 0)
        tls_hs_state_free(&st);
}

/* Hostile bytes everywhere: random frames, handshake chunks, ClientHello
 * bodies and long headers, biased towards small lengths and the frame
 * types that matter, must never read out of bounds (ASan checks) and every
 * string recorded must lie in the store's arena. */
static void test_random_inputs(void **state)
{
    (void)state;
    static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x03, 0x06, 0x1c, 0x1d, 0x18,
                                          0x40, 0x80, 0xc0, 0xff, 0x16, 0x03, 0x14, 0x0b};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    struct frame_fields ff;
    frame_fields_init(&ff);
    frame_fields_want(&ff, tls_hf_handshake_type);
    frame_fields_want(&ff, tls_hf_server_name);
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t buf[320];
        size_t n = rng_next(&seed) % sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rng_next(&seed);
            buf[i] = (r & 3) == 0   ? interesting[(r >> 8) % sizeof(interesting)]
                     : (r & 3) == 1 ? (uint8_t)(r >> 16) % 8
                                    : (uint8_t)(r >> 24);
        }
        frame_fields_reset(&ff);
        quic_walk_frames(buf, n, feed_tls, &ff);
        tls_client_hello_sni(&ff, buf, n);
        struct quic_long_header h;
        if (quic_parse_long_header(buf, n, &h) == 0) {
            assert_true(h.packet_len <= n);
            struct quic_keys k = {{0}, {0}, {0}};
            uint8_t out[320];
            size_t len;
            uint64_t pn;
            quic_decrypt_long(&k, buf, &h, 0, out, sizeof(out), &len, &pn);
        }
        for (uint32_t i = 0; i < ff.n; i++)
            if (ff.vals[i].id == tls_hf_server_name)
                assert_true(ff.vals[i].v.str.off + ff.vals[i].v.str.len <= ff.arena_len);
    }
    feed_tls(&ff, 0, NULL, 0);
    frame_fields_free(&ff);
}

/* Runs the tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_keys),           cmocka_unit_test(test_v2_keys),
        cmocka_unit_test(test_hp_masks),          cmocka_unit_test(test_v1_client_initial),
        cmocka_unit_test(test_v1_server_initial), cmocka_unit_test(test_v2_client_initial),
        cmocka_unit_test(test_v2_server_initial), cmocka_unit_test(test_packet_number_decoding),
        cmocka_unit_test(test_hostile_headers),   cmocka_unit_test(test_split_client_hello),
        cmocka_unit_test(test_encrypted_records), cmocka_unit_test(test_random_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
