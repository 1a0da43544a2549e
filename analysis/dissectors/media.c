/* Owns the media types message bodies are handed to (the "media_type"
 * table, keyed by Content-Type without parameters) and the protocols
 * Wireshark names them by: line-based text, JSON (shown as "json" then
 * "data-text-lines"), XML, HTML forms, JPEG, GIF, PNG, and "media" for any
 * other type.  None has fields yet, and bodies are not kept. */
#include "dissect_internal.h"
#include "dissectors/list.h"

/* The media protocols. */
static int proto_text_lines, proto_json, proto_xml, proto_form, proto_jfif, proto_gif, proto_png,
    proto_media;

/* Dissects a JSON body: Wireshark's JSON dissector shows the text lines too. */
static void dissect_json(struct dissect_ctx *c, struct span s)
{
    (void)s;
    ctx_push(c, proto_json);
    ctx_push(c, proto_text_lines);
}

/* The media dissectors. */
static const struct dissector_handle text_lines_handle = {&proto_text_lines, NULL, NULL};
static const struct dissector_handle json_handle = {&proto_json, dissect_json, NULL};
static const struct dissector_handle xml_handle = {&proto_xml, NULL, NULL};
static const struct dissector_handle form_handle = {&proto_form, NULL, NULL};
static const struct dissector_handle jfif_handle = {&proto_jfif, NULL, NULL};
static const struct dissector_handle gif_handle = {&proto_gif, NULL, NULL};
static const struct dissector_handle png_handle = {&proto_png, NULL, NULL};
static const struct dissector_handle media_handle = {&proto_media, NULL, NULL};

/* Registers the media protocols and the media type table. */
static void media_register(void)
{
    proto_text_lines = registry_proto("data-text-lines", "Line-based text data");
    proto_json = registry_proto("json", "JavaScript Object Notation");
    proto_xml = registry_proto("xml", "eXtensible Markup Language");
    proto_form = registry_proto("urlencoded-form", "HTML Form URL Encoded");
    proto_jfif = registry_proto("image-jfif", "JPEG File Interchange Format");
    proto_gif = registry_proto("image-gif", "Compuserve GIF");
    proto_png = registry_proto("png", "Portable Network Graphics");
    proto_media = registry_proto("media", "Media Type");
    registry_string_table_new("media_type");
    register_dissector("media", &media_handle);
}

/* The media types seen on the test captures, by the dissector tshark 4.0 picks. */
static void media_handoff(void)
{
    static const struct {
        const char *type;                      /* Lower-case media type. */
        const struct dissector_handle *handle; /* Its dissector. */
    } types[] = {
        {"text/html", &text_lines_handle},
        {"text/plain", &text_lines_handle},
        {"text/css", &text_lines_handle},
        {"text/javascript", &text_lines_handle},
        {"application/x-javascript", &text_lines_handle},
        {"application/javascript", &text_lines_handle},
        {"text/xml", &xml_handle},
        {"application/xml", &xml_handle},
        {"application/json", &json_handle},
        {"application/x-www-form-urlencoded", &form_handle},
        {"image/jpeg", &jfif_handle},
        {"image/jpg", &jfif_handle},
        {"image/gif", &gif_handle},
        {"image/png", &png_handle},
    };
    for (size_t i = 0; i < ARRAY_COUNT(types); i++)
        registry_string_table_add("media_type", types[i].type, types[i].handle);
}

const struct dissector_module dissector_media = {media_register, media_handoff};
