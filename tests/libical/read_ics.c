/* Reads an .ics file with libical (the C library under GNOME Evolution, KDE's KCalendarCore and
 * the Cyrus CalDAV server) and prints its events as JSON: how an independent implementation
 * sees them. The tests compile it against Debian's libical-dev (the libical_reader fixture in
 * tests/conftest.py) and read its output with tests/readers.py.
 *
 * usage: read_ics FILE.ics
 *
 * Times are resolved only through the file's own VTIMEZONE components: every TZID used by an
 * event must name a VTIMEZONE of the VCALENDAR (else exit 2), and libical's builtin zone
 * database is pointed at a directory that does not exist, so a wrong VTIMEZONE cannot be
 * rescued by libical's own copy of the IANA zone of the same name.
 * Recurring events are expanded with icalcomponent_foreach_recurrence (at most 20,000
 * occurrences each); each occurrence is printed as UTC epoch seconds, as libical computes them.
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OCCURRENCES 20000

struct occurrences {
    int count;
    int first;
};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        perror(path);
        exit(1);
    }
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(1);
    }
    text[size] = '\0';
    fclose(f);
    return text;
}

static void print_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

/* Exit 2 unless the TZID of `kind` on `event` names a VTIMEZONE of `calendar`. */
static void require_own_zone(icalcomponent *calendar, icalcomponent *event, icalproperty_kind kind)
{
    icalproperty *prop = icalcomponent_get_first_property(event, kind);
    if (!prop)
        return;
    icalparameter *param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    if (!param)
        return;
    const char *tzid = icalparameter_get_tzid(param);
    if (!icalcomponent_get_timezone(calendar, tzid)) {
        fprintf(stderr, "TZID %s has no VTIMEZONE in the file\n", tzid);
        exit(2);
    }
}

static void print_occurrence(icalcomponent *comp, struct icaltime_span *span, void *data)
{
    (void)comp;
    struct occurrences *seen = data;
    if (seen->count >= MAX_OCCURRENCES)
        return;
    printf("%s{\"start_utc\":%lld,\"end_utc\":%lld}", seen->first ? "" : ",",
           (long long)span->start, (long long)span->end);
    seen->first = 0;
    seen->count++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.ics\n", argv[0]);
        return 1;
    }
    /* No builtin zones: only the file's VTIMEZONEs can give a TZID its offsets. */
    icaltimezone_set_builtin_tzdata(1);
    set_zone_directory("/nonexistent/libical-zoneinfo");

    char *text = read_file(argv[1]);
    icalcomponent *calendar = icalparser_parse_string(text);
    if (!calendar || icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) {
        fprintf(stderr, "%s: not a VCALENDAR\n", argv[1]);
        return 1;
    }
    /* libical keeps what it cannot parse as X-LIC-ERROR properties instead of failing. */
    int errors = icalcomponent_count_errors(calendar);
    if (errors) {
        fprintf(stderr, "%s: libical found %d errors\n", argv[1], errors);
        return 1;
    }

    struct icaltimetype from = icaltime_from_string("19000101T000000Z");
    struct icaltimetype until = icaltime_from_string("30000101T000000Z");
    printf("{\"zones\":[");
    int first = 1;
    for (icalcomponent *tz = icalcomponent_get_first_component(calendar, ICAL_VTIMEZONE_COMPONENT);
         tz; tz = icalcomponent_get_next_component(calendar, ICAL_VTIMEZONE_COMPONENT)) {
        icalproperty *tzid = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
        printf("%s", first ? "" : ",");
        print_string(tzid ? icalproperty_get_tzid(tzid) : "");
        first = 0;
    }
    printf("],\"events\":[");
    first = 1;
    for (icalcomponent *event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT);
         event; event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
        require_own_zone(calendar, event, ICAL_DTSTART_PROPERTY);
        require_own_zone(calendar, event, ICAL_DTEND_PROPERTY);
        icalproperty *categories =
            icalcomponent_get_first_property(event, ICAL_CATEGORIES_PROPERTY);
        printf("%s{\"uid\":", first ? "" : ",");
        print_string(icalcomponent_get_uid(event));
        printf(",\"categories\":");
        print_string(categories ? icalproperty_get_categories(categories) : "");
        printf(",\"all_day\":%s,\"occurrences\":[",
               icalcomponent_get_dtstart(event).is_date ? "true" : "false");
        struct occurrences seen = {0, 1};
        icalcomponent_foreach_recurrence(event, from, until, print_occurrence, &seen);
        printf("]}");
        first = 0;
    }
    printf("]}\n");
    icalcomponent_free(calendar);
    free(text);
    return 0;
}
