"""Slot, intent, entity, response and action names shared by the actions and the domain."""

# Entities (and slots of the same name) that the spaCy entity ruler extracts.
EQUIPMENT = "equipment"
BODY_AREA = "body_area"
THERAPY = "therapy"
ONSET = "onset"
RED_FLAG_SIGN = "red_flag_sign"
ENTRY_ID = "entry_id"

# Slots the actions keep for context.
LAST_ENTRY = "last_entry"
# Every entry said so far, oldest first.
SAID_ENTRIES = "said_entries"
# An entry asked for before the onset was known; answered once the onset form is done.
PENDING_ENTRY = "pending_entry"
REQUESTED_SLOT = "requested_slot"

# Intents set by the red-flag detector, one per tier; they win over every other intent.
RED_FLAG_EMERGENCY = "red_flag_emergency"
RED_FLAG_URGENT = "red_flag_urgent"
RED_FLAG_SOON = "red_flag_soon"
RED_FLAG_INTENTS = (RED_FLAG_EMERGENCY, RED_FLAG_URGENT, RED_FLAG_SOON)

# Follow-up intents, also used as button payloads.
ASK_WHY = "ask_why"
ASK_MORE = "ask_more"
ASK_SOURCE = "ask_source"
ASK_ENTRY = "ask_entry"
# A yes after an answer means "tell me more" (data/rules/followups.yml).
AFFIRM = "affirm"

# Forms and responses.
ONSET_FORM = "onset_form"
UTTER_ASK_ONSET = "utter_ask_onset"
UTTER_NO_CONTEXT = "utter_no_context"
UTTER_ONSET_NOTED = "utter_onset_noted"
INFORM_ONSET = "inform_onset"
UTTER_DISCLAIMER = "utter_disclaimer"

# Check-ins and the person's data (actions/checkins.py, actions/my_data.py).
ACCEPT_CHECKIN = "accept_checkin"
NO_HEAT_ENTRY = "heat_ice.no_heat_first_48h"
# The general medicine answer: kinds of medicine, never names with doses, a pharmacist or GP decides.
MEDICINE_ENTRY = "doctor.medicine_questions"
AFTER_48H_ENTRY = "heat_ice.after_48h"
CHECKIN_OFFER = "Shall I message you when 48 hours have passed?"

# Pain check-ins and the person's time zone (actions/checkins.py, actions/pain_scores.py,
# actions/time_zone.py). Slots: the scores given ({score, time} items, oldest first); when the
# bot last asked for one (None once answered); whether pain check-ins are on; the time zone said
# and whether it was asked.
PAIN_SCORES = "pain_scores"
PAIN_QUESTION = "pain_question"
PAIN_CHECKINS = "pain_checkins"
TIME_ZONE = "time_zone"
TIME_ZONE_ASKED = "time_zone_asked"
ACCEPT_PAIN_CHECKIN = "accept_pain_checkin"
INFORM_PAIN_SCORE = "inform_pain_score"
INFORM_TIME_ZONE = "inform_time_zone"
STOP_CHECKINS = "stop_checkins"
PAIN_CHECKIN_OFFER = "Shall I check in with you in {wait}?"
# The check-in question; every re-ask ends with it too, so a reply to either is read as a score.
PAIN_CHECKIN_QUESTION = "How is your back today, 0–10?"
PAIN_SCALE = "(0 is no pain, 10 the worst pain you can imagine.)"
