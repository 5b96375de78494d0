//! Free-slot computation: a doctor's weekly template, their exceptions (leave,
//! one-off extra hours) and the hospital's holidays give the bookable slots of
//! a range of days; booked appointments take slots away.
//!
//! Templates and exceptions are in the hospital's local time, because that is
//! how people plan ("Mondays 09:00–12:00"); slots come out in UTC, which is
//! how they are stored. The conversion happens per slot, so a slot on the
//! Monday after a daylight-saving change still starts at 09:00 local time,
//! and every slot lasts its length in real time. A local start that does not
//! exist on a transition day (the skipped hour in spring) yields no slot; one
//! that exists twice (the repeated hour in autumn) is taken at its first
//! occurrence.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// A recurring block of consultation time on one weekday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateBlock {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub slot_minutes: u32,
}

/// A change to the template on particular days, in local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exception {
    /// No slots from `from` to `to` (both local date-times): leave, a course,
    /// a half day off.
    Unavailable {
        from: chrono::NaiveDateTime,
        to: chrono::NaiveDateTime,
    },
    /// Extra consultation time on one day, on top of the template.
    ExtraHours {
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
        slot_minutes: u32,
    },
}

/// A bookable slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Everything the computation needs about one doctor.
pub struct Availability<'a> {
    pub tz: Tz,
    pub template: &'a [TemplateBlock],
    pub exceptions: &'a [Exception],
    /// Hospital-wide holidays: no template slots (extra hours still count,
    /// since someone scheduled them on purpose).
    pub holidays: &'a [NaiveDate],
    /// Appointments already booked (start, end) in UTC.
    pub booked: &'a [(DateTime<Utc>, DateTime<Utc>)],
}

/// The first instant of a local date-time, or `None` when it does not exist
/// (the hour skipped by a daylight-saving change).
pub fn to_utc(tz: Tz, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// A local date-time as an instant, always: one in the hour skipped by a
/// daylight-saving change becomes the instant an hour later, when the clocks
/// have jumped (for bounds of a day or a block, not for slots).
pub fn bound_to_utc(tz: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    to_utc(tz, local)
        .or_else(|| to_utc(tz, local + Duration::hours(1)))
        .unwrap_or_else(|| local.and_utc())
}

/// Slots of `slot_minutes` from `start` to `end` on `date`, local time; a
/// last slot that would run past `end` is left out.
fn grid(tz: Tz, date: NaiveDate, start: NaiveTime, end: NaiveTime, slot_minutes: u32) -> Vec<Slot> {
    let mut out = Vec::new();
    if slot_minutes == 0 {
        return out;
    }
    let step = Duration::minutes(i64::from(slot_minutes));
    let mut at = date.and_time(start);
    let end = date.and_time(end);
    while at + step <= end {
        if let Some(s) = to_utc(tz, at) {
            out.push(Slot {
                start: s,
                end: s + step,
            });
        }
        at += step;
    }
    out
}

fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The free slots on the local days `from..=to`, in time order.
pub fn free_slots(a: &Availability<'_>, from: NaiveDate, to: NaiveDate) -> Vec<Slot> {
    let mut slots = Vec::new();
    let mut day = from;
    while day <= to {
        if !a.holidays.contains(&day) {
            for block in a.template.iter().filter(|b| b.weekday == day.weekday()) {
                slots.extend(grid(a.tz, day, block.start, block.end, block.slot_minutes));
            }
        }
        for e in a.exceptions {
            if let Exception::ExtraHours {
                date,
                start,
                end,
                slot_minutes,
            } = e
            {
                if *date == day {
                    slots.extend(grid(a.tz, day, *start, *end, *slot_minutes));
                }
            }
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    let blocked: Vec<(DateTime<Utc>, DateTime<Utc>)> = a
        .exceptions
        .iter()
        .filter_map(|e| match e {
            Exception::Unavailable { from, to } => {
                Some((bound_to_utc(a.tz, *from), bound_to_utc(a.tz, *to)))
            }
            Exception::ExtraHours { .. } => None,
        })
        .collect();
    slots.sort();
    slots.dedup();
    slots.retain(|s| {
        let span = (s.start, s.end);
        !blocked.iter().any(|b| overlaps(span, *b)) && !a.booked.iter().any(|b| overlaps(span, *b))
    });
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_bound_in_the_skipped_hour_moves_to_when_the_clocks_jumped() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 29 March 2026: 02:00 CET became 03:00 CEST, so 02:30 never happened.
        let skipped = d(2026, 3, 29).and_time(t(2, 30));
        assert_eq!(to_utc(berlin, skipped), None);
        assert_eq!(
            bound_to_utc(berlin, skipped),
            d(2026, 3, 29).and_time(t(1, 30)).and_utc()
        );
        // An ordinary time is the same as `to_utc`.
        let noon = d(2026, 3, 29).and_time(t(12, 0));
        assert_eq!(Some(bound_to_utc(berlin, noon)), to_utc(berlin, noon));
    }

    fn mornings() -> Vec<TemplateBlock> {
        [Weekday::Mon, Weekday::Wed]
            .into_iter()
            .map(|weekday| TemplateBlock {
                weekday,
                start: t(9, 0),
                end: t(12, 0),
                slot_minutes: 20,
            })
            .collect()
    }

    #[test]
    fn the_template_gives_slots_on_its_weekdays_only() {
        let template = mornings();
        let a = Availability {
            tz: chrono_tz::Europe::Berlin,
            template: &template,
            exceptions: &[],
            holidays: &[],
            booked: &[],
        };
        // Mon 2026-11-23 to Sun 2026-11-29: Monday and Wednesday, 9 slots each.
        let slots = free_slots(&a, d(2026, 11, 23), d(2026, 11, 29));
        assert_eq!(slots.len(), 18);
        // 09:00 in Berlin in November (UTC+1) is 08:00 UTC.
        assert_eq!(
            slots[0].start,
            Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
        );
        assert_eq!(
            slots[8].end,
            Utc.with_ymd_and_hms(2026, 11, 23, 11, 0, 0).unwrap()
        );
    }

    #[test]
    fn leave_holidays_extra_hours_and_bookings_change_the_slots() {
        let template = mornings();
        let booked = [(
            Utc.with_ymd_and_hms(2026, 11, 23, 8, 20, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 8, 40, 0).unwrap(),
        )];
        let exceptions = [
            // Away on Wednesday from 10:00.
            Exception::Unavailable {
                from: d(2026, 11, 25).and_time(t(10, 0)),
                to: d(2026, 11, 25).and_time(t(23, 59)),
            },
            // An extra afternoon on Friday.
            Exception::ExtraHours {
                date: d(2026, 11, 27),
                start: t(14, 0),
                end: t(15, 0),
                slot_minutes: 30,
            },
        ];
        let a = Availability {
            tz: chrono_tz::Europe::Berlin,
            template: &template,
            exceptions: &exceptions,
            holidays: &[d(2026, 11, 30)],
            booked: &booked,
        };
        let slots = free_slots(&a, d(2026, 11, 23), d(2026, 11, 30));
        let on = |day: u32| slots.iter().filter(|s| s.start.day() == day).count();
        assert_eq!(on(23), 8, "one Monday slot is booked");
        assert_eq!(on(25), 3, "Wednesday until 10:00 only");
        assert_eq!(on(27), 2, "two extra half-hour slots on Friday");
        assert_eq!(on(30), 0, "Monday 30th is a holiday");
    }

    #[test]
    fn slots_keep_their_local_time_across_daylight_saving_changes() {
        // Europe/Berlin moves from UTC+1 to UTC+2 at 02:00 on Sunday 2026-03-29.
        let template: Vec<TemplateBlock> = [Weekday::Sat, Weekday::Sun, Weekday::Mon]
            .into_iter()
            .map(|weekday| TemplateBlock {
                weekday,
                start: t(1, 0),
                end: t(4, 0),
                slot_minutes: 60,
            })
            .collect();
        let a = Availability {
            tz: chrono_tz::Europe::Berlin,
            template: &template,
            exceptions: &[],
            holidays: &[],
            booked: &[],
        };
        let slots = free_slots(&a, d(2026, 3, 28), d(2026, 3, 30));
        let starts: Vec<String> = slots
            .iter()
            .map(|s| s.start.format("%d %H:%M").to_string())
            .collect();
        assert_eq!(
            starts,
            [
                // Saturday, UTC+1: 01:00, 02:00 and 03:00 local.
                "28 00:00", "28 01:00", "28 02:00",
                // Sunday: 01:00 local is still UTC+1; 02:00 does not exist;
                // 03:00 local is UTC+2.
                "29 00:00", "29 01:00",
                // Monday, UTC+2: the same local hours, an hour earlier in UTC.
                "29 23:00", "30 00:00", "30 01:00",
            ]
        );
        // Every slot is exactly an hour long, even on the transition day.
        assert!(slots.iter().all(|s| s.end - s.start == Duration::hours(1)));
    }
}
