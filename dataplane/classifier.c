/*
 * The classifier table.  Matching (classifier.h) is a linear scan over
 * the active jobs: correct for overlapping filters by construction, and the
 * reference the compiled classifier will be checked against.
 */
#include "classifier.h"

#include <stdlib.h>
#include <string.h>

struct classifier *classifier_build(const struct classifier_rule *rules, uint32_t n)
{
    struct classifier *c = malloc(sizeof(*c) + (size_t)n * sizeof(c->rules[0]));
    if (c == NULL)
        return NULL;
    c->n_rules = n;
    if (n > 0)
        memcpy(c->rules, rules, (size_t)n * sizeof(c->rules[0]));
    return c;
}

void classifier_free(struct classifier *c)
{
    free(c);
}
