/*
 * Unit test of the capture id index (control/id_index.c) against a plain
 * array, through random adds, finds and removes that keep it nearly full,
 * so probe runs are long and backward-shift deletion is exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "id_index.h"

/* Entries of the test: at most this many present at once. */
#define MAX_ENTRIES 500

/* Writes a random 32-hex-digit id into `id`. */
static void random_id(char *id)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++)
        id[i] = hex[rand() % 16];
}

/* Adds, finds and removes at random; every find agrees with the array. */
static void test_random_operations(void **state)
{
    (void)state;
    struct id_index ix;
    char ids[MAX_ENTRIES][32];
    bool present[MAX_ENTRIES] = {false};
    unsigned n_present = 0;
    srand(7);
    assert_int_equal(id_index_init(&ix, MAX_ENTRIES), 0);
    for (int step = 0; step < 200000; step++) {
        unsigned k = (unsigned)rand() % MAX_ENTRIES;
        int op = rand() % 3;
        if (op == 0 && !present[k]) {
            random_id(ids[k]);
            id_index_add(&ix, ids[k], k);
            present[k] = true;
            n_present++;
        } else if (op == 1 && present[k]) {
            id_index_remove(&ix, ids[k]);
            present[k] = false;
            n_present--;
        }
        unsigned probe = (unsigned)rand() % MAX_ENTRIES;
        if (present[probe])
            assert_int_equal(id_index_find(&ix, ids[probe]), probe);
        else {
            char other[32];
            random_id(other);
            assert_int_equal(id_index_find(&ix, other), -1);
        }
    }
    for (unsigned k = 0; k < MAX_ENTRIES; k++)
        assert_int_equal(id_index_find(&ix, ids[k]), present[k] ? (int64_t)k : -1);
    assert_true(n_present <= MAX_ENTRIES);
    id_index_free(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_operations)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
