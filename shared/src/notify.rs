//! Messages to patients about their appointments, their pharmacy orders
//! and their account: the channels, what each message says, and how the
//! patient's consent and preference pick the channel.
//!
//! Messages carry no clinical information: only the time, the place and the
//! doctor's name. Not the reason for the visit, the department, the patient's
//! name or MRN, the drug of an order, since a text message or an e-mail can
//! be read by others.

use chrono::NaiveDateTime;

use crate::pharmacy::{Fulfilment, OrderStatus};

crate::coded!(
/// How a message reaches the patient.
Channel {
    Email = "email", "E-mail";
    Sms = "sms", "Text message (SMS)";
} "Choose a channel.");

/// What a patient allows and prefers, with the addresses on file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reachability {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub consent_email: bool,
    pub consent_sms: bool,
    pub preferred: Option<Channel>,
}

impl Reachability {
    /// Whether the patient consented to `channel` and has an address for it.
    pub fn allows(&self, channel: Channel) -> Option<&str> {
        match channel {
            Channel::Email if self.consent_email => self.email.as_deref(),
            Channel::Sms if self.consent_sms => self.phone.as_deref(),
            _ => None,
        }
    }

    /// The one channel (and address) to use: the preferred one when the
    /// patient consented to it, otherwise e-mail, then SMS, if consented.
    /// `None`: the patient does not want messages.
    pub fn pick(&self) -> Option<(Channel, String)> {
        let order = match self.preferred {
            Some(Channel::Sms) => [Channel::Sms, Channel::Email],
            _ => [Channel::Email, Channel::Sms],
        };
        order
            .into_iter()
            .find_map(|c| self.allows(c).map(|a| (c, a.to_string())))
    }
}

crate::coded!(
/// Why a message is sent.
NoticeKind {
    Booked = "booked", "Booked";
    Rescheduled = "rescheduled", "Rescheduled";
    Cancelled = "cancelled", "Cancelled";
    Reminder = "reminder", "Reminder";
    /// A link to choose a new password, asked for by whoever knows the
    /// account's address: sent to that address only, whatever the consents.
    PasswordReset = "password_reset", "Password reset";
    /// A step of an online pharmacy order: no drug, no dose.
    PharmacyOrder = "pharmacy_order", "Pharmacy order";
    /// To the ordering doctor: a critical result waits in the clinic
    /// portal. No patient, test or value.
    LabCritical = "lab_critical", "Critical result";
    /// To the patient: results are ready in the portal. No test, no value.
    LabResults = "lab_results", "Results ready";
    /// To the patient: an instalment of a payment plan is overdue. No
    /// amount, no service.
    PaymentOverdue = "payment_overdue", "Payment overdue";
} "Choose the kind of message.");

crate::coded!(
/// Where a message in the outbox stands.
OutboxStatus {
    /// Waiting for its time, or for a retry.
    Pending = "pending", "Pending";
    /// Leased by a worker that is delivering it.
    Sending = "sending", "Sending";
    Sent = "sent", "Sent";
    /// Given up after the last attempt.
    Failed = "failed", "Failed";
    /// Not sent: the patient allows no channel, or the appointment changed.
    Skipped = "skipped", "Skipped";
    Cancelled = "cancelled", "Cancelled";
} "Choose the status.");

/// The facts a message may contain, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentFacts {
    /// Local time as the hospital states it, e.g. "Mon 23 Nov 2026, 09:20 (Europe/Berlin)".
    pub when: String,
    pub doctor: String,
    pub hospital: String,
}

impl AppointmentFacts {
    /// `local` is the start in the hospital's time zone, named `zone`.
    pub fn new(local: NaiveDateTime, zone: &str, doctor: &str, hospital: &str) -> Self {
        Self {
            when: format!("{} ({zone})", local.format("%a %-d %b %Y, %H:%M")),
            doctor: doctor.to_string(),
            hospital: hospital.to_string(),
        }
    }
}

/// A message ready for a channel: e-mail uses both parts, SMS only `body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

/// Words a reminder uses for its lead time: "tomorrow", "in 2 hours".
pub fn lead_phrase(lead_minutes: i64) -> String {
    match lead_minutes {
        m if (20 * 60..=28 * 60).contains(&m) => "tomorrow".into(),
        m if m % (24 * 60) == 0 => format!("in {} days", m / (24 * 60)),
        m if m % 60 == 0 => format!("in {} hour{}", m / 60, if m == 60 { "" } else { "s" }),
        m => format!("in {m} minutes"),
    }
}

/// Composes the message for an appointment's `kind`; `None` for a kind that
/// is not about an appointment. `reminder_lead` is the lead time of a
/// reminder in minutes.
pub fn compose(
    kind: NoticeKind,
    channel: Channel,
    f: &AppointmentFacts,
    reminder_lead: Option<i64>,
) -> Option<Notice> {
    let (subject, line) = match kind {
        NoticeKind::PasswordReset
        | NoticeKind::PharmacyOrder
        | NoticeKind::LabCritical
        | NoticeKind::LabResults
        | NoticeKind::PaymentOverdue => return None,
        NoticeKind::Booked => (
            format!("Appointment confirmed: {}", f.when),
            format!(
                "Your appointment with {} at {} is confirmed for {}.",
                f.doctor, f.hospital, f.when
            ),
        ),
        NoticeKind::Rescheduled => (
            format!("Appointment moved to {}", f.when),
            format!(
                "Your appointment with {} at {} has moved to {}.",
                f.doctor, f.hospital, f.when
            ),
        ),
        NoticeKind::Cancelled => (
            format!("Appointment cancelled: {}", f.when),
            format!(
                "Your appointment with {} at {} on {} is cancelled.",
                f.doctor, f.hospital, f.when
            ),
        ),
        NoticeKind::Reminder => {
            let lead = lead_phrase(reminder_lead.unwrap_or(24 * 60));
            (
                format!("Reminder: appointment {lead}, {}", f.when),
                format!(
                    "Reminder: your appointment with {} at {} is {lead}, {}.",
                    f.doctor, f.hospital, f.when
                ),
            )
        }
    };
    let body = match channel {
        Channel::Sms => format!("{line} Manage it in the patient portal."),
        Channel::Email => format!(
            "Hello,\r\n\r\n{line}\r\n\r\nTo reschedule or cancel, sign in to the patient portal.\r\n\r\n{}\r\n\r\nThis message was sent automatically. Please do not reply.\r\n",
            f.hospital
        ),
    };
    Some(Notice { subject, body })
}

/// The e-mail with a link to choose a new password, valid for `minutes`.
/// Nothing about the account but its link: whoever asked may not own it.
pub fn password_reset_notice(link: &str, hospital: &str, minutes: i64) -> Notice {
    Notice {
        subject: format!("Reset your {hospital} patient portal password"),
        body: format!(
            "Hello,\r\n\r\nSomeone, probably you, asked to reset the password of the patient portal account for this address.\r\n\r\nTo choose a new password, open this link within {minutes} minutes:\r\n\r\n{link}\r\n\r\nThe link works once. Every device signed in to the account is signed out when the password changes.\r\n\r\nIf you did not ask for this, ignore this message: your password stays as it is.\r\n\r\n{hospital}\r\n\r\nThis message was sent automatically. Please do not reply.\r\n"
        ),
    }
}

/// The message for a step of an online pharmacy order. It never names the
/// drug: whoever reads the phone or the mailbox learns only that the
/// patient has an order at the pharmacy, and where it stands.
pub fn order_notice(
    status: OrderStatus,
    fulfilment: Fulfilment,
    channel: Channel,
    hospital: &str,
) -> Notice {
    let (subject, line) = match status {
        OrderStatus::Placed => (
            "We have your pharmacy order".to_string(),
            match fulfilment {
                Fulfilment::Collect => "We have your pharmacy order and will tell you when it is ready for pickup.".to_string(),
                Fulfilment::Delivery => "We have your pharmacy order and will tell you when it is on its way.".to_string(),
            },
        ),
        OrderStatus::Preparing => (
            "Your pharmacy order is being prepared".to_string(),
            "Your pharmacy order is being prepared.".to_string(),
        ),
        OrderStatus::Ready => (
            "Your pharmacy order is ready".to_string(),
            format!("Your pharmacy order is ready for pickup at the {hospital} pharmacy."),
        ),
        OrderStatus::Dispatched => (
            "Your pharmacy order is on its way".to_string(),
            "Your pharmacy order is on its way to the address you gave.".to_string(),
        ),
        OrderStatus::Collected => (
            "Your pharmacy order was collected".to_string(),
            "Your pharmacy order was collected. If it was not you or someone you sent, call the pharmacy.".to_string(),
        ),
        OrderStatus::Delivered => (
            "Your pharmacy order was delivered".to_string(),
            "Your pharmacy order was delivered.".to_string(),
        ),
        OrderStatus::Cancelled => (
            "Your pharmacy order was cancelled".to_string(),
            "Your pharmacy order was cancelled. The patient portal says why.".to_string(),
        ),
    };
    let body = match channel {
        Channel::Sms => format!("{line} Details in the patient portal."),
        Channel::Email => format!(
            "Hello,\r\n\r\n{line}\r\n\r\nSign in to the patient portal for the details.\r\n\r\n{hospital}\r\n\r\nThis message was sent automatically. Please do not reply.\r\n"
        ),
    };
    Notice { subject, body }
}

/// The message to the ordering doctor about a critical result. It names
/// neither the patient nor the test nor the value: only that a critical
/// result waits, to be read and acknowledged in the clinic portal.
pub fn critical_notice(hospital: &str) -> Notice {
    Notice {
        subject: "A critical result needs your acknowledgement".into(),
        body: format!(
            "Hello,\r\n\r\nA laboratory result you ordered is critical and waits for your acknowledgement in the clinic portal (Critical results).\r\n\r\n{hospital}\r\n\r\nThis message was sent automatically. Please do not reply.\r\n"
        ),
    }
}

/// The message to the patient when results are released: that there are
/// new results to read in the portal, nothing of what they are.
pub fn results_notice(channel: Channel, hospital: &str) -> Notice {
    let line = "You have new test results in the patient portal.";
    let body = match channel {
        Channel::Sms => format!("{line} {hospital}"),
        Channel::Email => format!(
            "Hello,\r\n\r\n{line}\r\n\r\nSign in to the patient portal to read them.\r\n\r\n{hospital}\r\n\r\nThis message was sent automatically. Please do not reply.\r\n"
        ),
    };
    Notice {
        subject: "New test results".into(),
        body,
    }
}

/// To the patient: an instalment of their payment plan is overdue. Says
/// nothing of what was billed, nor the amount (a text message may be read
/// by someone else).
pub fn payment_overdue_notice(channel: Channel, hospital: &str) -> Notice {
    let line = "A payment in your payment plan is overdue.";
    let body = match channel {
        Channel::Sms => format!("{line} See Bills in the patient portal. {hospital}"),
        Channel::Email => format!(
            "Hello,\r\n\r\n{line}\r\n\r\nSign in to the patient portal and open Bills to see it and pay, or contact the billing office.\r\n\r\n{hospital}\r\n\r\nThis message was sent automatically. Please do not reply.\r\n"
        ),
    };
    Notice {
        subject: "A payment is overdue".into(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn reach() -> Reachability {
        Reachability {
            email: Some("a@example.org".into()),
            phone: Some("+4915112345678".into()),
            consent_email: true,
            consent_sms: true,
            preferred: None,
        }
    }

    #[test]
    fn preference_and_consent_pick_one_channel() {
        assert_eq!(reach().pick().unwrap().0, Channel::Email);
        let sms = Reachability {
            preferred: Some(Channel::Sms),
            ..reach()
        };
        assert_eq!(sms.pick().unwrap(), (Channel::Sms, "+4915112345678".into()));
        // Preferred but not consented: the consented channel instead.
        let no_sms = Reachability {
            consent_sms: false,
            ..sms
        };
        assert_eq!(no_sms.pick().unwrap().0, Channel::Email);
        let none = Reachability {
            consent_email: false,
            consent_sms: false,
            ..reach()
        };
        assert_eq!(none.pick(), None);
        let no_address = Reachability {
            email: None,
            consent_sms: false,
            ..reach()
        };
        assert_eq!(no_address.pick(), None);
    }

    #[test]
    fn messages_state_time_place_and_doctor_in_the_hospital_zone() {
        let start = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(9, 20, 0)
            .unwrap();
        let f = AppointmentFacts::new(start, "Europe/Berlin", "Dr Amina Yusuf", "St. Example");
        assert_eq!(f.when, "Mon 23 Nov 2026, 09:20 (Europe/Berlin)");
        let n = compose(NoticeKind::Reminder, Channel::Sms, &f, Some(120)).unwrap();
        assert!(n.body.contains("in 2 hours"), "{}", n.body);
        assert!(n.body.contains("Dr Amina Yusuf") && n.body.contains("St. Example"));
        let n = compose(NoticeKind::Booked, Channel::Email, &f, None).unwrap();
        assert!(n.subject.contains("confirmed"));
        assert!(n.body.contains("09:20"));
        assert_eq!(lead_phrase(24 * 60), "tomorrow");
        assert_eq!(lead_phrase(60), "in 1 hour");
        assert_eq!(lead_phrase(30), "in 30 minutes");
        assert_eq!(
            compose(NoticeKind::PasswordReset, Channel::Email, &f, None),
            None
        );
    }

    #[test]
    fn order_messages_say_where_the_order_stands_and_nothing_clinical() {
        let ready = order_notice(
            OrderStatus::Ready,
            Fulfilment::Collect,
            Channel::Sms,
            "St. Example",
        );
        assert_eq!(ready.subject, "Your pharmacy order is ready");
        assert!(ready
            .body
            .starts_with("Your pharmacy order is ready for pickup at the St. Example pharmacy."));
        for status in OrderStatus::ALL {
            for f in Fulfilment::ALL {
                for channel in Channel::ALL {
                    let n = order_notice(status, f, channel, "St. Example");
                    assert!(n.subject.contains("pharmacy order"), "{status:?}");
                    // No dose, no unit, no drug form: nothing a drug name would bring.
                    for word in ["mg", "tablet", "capsule", "dose", "prescri"] {
                        assert!(!n.body.to_lowercase().contains(word), "{status:?} {word}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_reset_message_has_the_link_and_its_limits() {
        let link = "https://hms.example.org/reset-password?token=abc";
        let n = password_reset_notice(link, "St. Example", 30);
        assert!(n.subject.contains("Reset your St. Example"));
        assert!(n.body.contains(&format!("\r\n{link}\r\n")), "{}", n.body);
        assert!(n.body.contains("within 30 minutes") && n.body.contains("works once"));
    }
}
