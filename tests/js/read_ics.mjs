// Reads an .ics file with Mozilla's ical.js (Thunderbird's parser) and prints its events as
// JSON: how an independent calendar engine sees them. Used by the Python tests.
//
// usage: node read_ics.mjs FILE.ics
// Recurring events are expanded with ical.js's own iterator (at most 20,000 occurrences each)
// into "occurrences": what Thunderbird would show.
// Time zones come only from the file's own VTIMEZONE components (registered as Thunderbird
// does), so a wrong VTIMEZONE shows up as a wrong instant.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const root = new ICAL.Component(ICAL.parse(text));
const zones = [];
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(vtz);
  ICAL.TimezoneService.register(zone);
  zones.push(zone.tzid);
}
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  const end = event.endDate;
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    categories: vevent.getFirstPropertyValue("categories"),
    all_day: start.isDate,
    tzid: start.isDate ? null : start.zone.tzid,
    start_local: start.toString(),
    end_local: end.toString(),
    start_utc: start.isDate ? null : start.toUnixTime(),
    end_utc: end.isDate ? null : end.toUnixTime(),
    recurring: event.isRecurring(),
    occurrences: occurrences(event),
  };
});

function occurrences(event) {
  if (!event.isRecurring()) {
    return [describe(event.startDate, event.endDate)];
  }
  const out = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && out.length < 20000; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    out.push(describe(details.startDate, details.endDate));
  }
  return out;
}

function describe(start, end) {
  return {
    start_local: start.toString(),
    end_local: end.toString(),
    start_utc: start.isDate ? null : start.toUnixTime(),
    end_utc: end.isDate ? null : end.toUnixTime(),
  };
}
process.stdout.write(
  JSON.stringify({
    zones,
    calendar_name: root.getFirstPropertyValue("name"),
    method: root.getFirstPropertyValue("method"),
    events,
  }),
);
