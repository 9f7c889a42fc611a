"""Generates openapi.yaml (repository root) — the API contract, transcribed from the server's DTOs and routes.

Edit this file, then run `python3 scripts/openapi/generate.py && python3 scripts/openapi/check.py`.
ContractTests fails when the routes and the document differ; the fuzzing run in CI checks the shapes.
"""
import copy
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "openapi.yaml")

# ---------------------------------------------------------------- enums
USER_ROLES = ["SALESPERSON", "SECRETARIAT", "ADMIN"]
CUSTOMER_STATUS = ["new", "contacted", "qualified", "active", "inactive", "vip"]
APPOINTMENT_STATUS = ["scheduled", "confirmed", "completed", "cancelled", "no_show"]
COMM_TYPE = ["call", "email", "sms", "whatsapp", "meeting", "note"]
COMM_DIRECTION = ["outgoing", "incoming", "missed"]
COMM_STATUS = ["completed", "missed", "no_answer", "voicemail", "scheduled", "cancelled"]
ACTION_TYPE = ["phone_call", "follow_up", "appointment_scheduled", "email_sent", "meeting", "update", "other"]
ACTION_STATUS = ["pending", "completed", "cancelled", "missed"]
ACTION_PRIORITY = ["low", "medium", "high", "urgent"]
LEAD_SOURCE = ["facebook_ads", "google_ads", "referral", "walk_in", "website"]
LEAD_STATUS = ["new", "contacted", "qualified", "converted", "lost"]
NOTIFICATION_TYPE = ["lead_assigned", "missed_call", "communication_reminder", "appointment_upcoming",
                     "task_due_soon", "task_overdue"]

READ_ONLY_RECORD_KEYS = [
    "id", "customerId", "lifetimeValue", "totalAppointments", "completedAppointments",
    "cancelledAppointments", "lastAppointmentDate", "nextAppointmentDate", "lastContactDate",
    "averageDaysBetweenVisits", "isRepeatCustomer", "repeatCount", "expectedNextVisit",
    "treatmentHistory", "createdAt", "updatedAt",
]

# ---------------------------------------------------------------- roles
AUDIENCES = {
    "public": ([], "Public: no token needed."),
    "everyone": (USER_ROLES, "Roles: SALESPERSON, SECRETARIAT, ADMIN (any signed-in user)."),
    "frontDesk": (["SECRETARIAT", "ADMIN"], "Roles: SECRETARIAT, ADMIN (front desk and managers); a SALESPERSON gets 403."),
    "sellers": (["SALESPERSON", "ADMIN"], "Roles: SALESPERSON, ADMIN; a SECRETARIAT gets 403."),
    "admin": (["ADMIN"], "Roles: ADMIN only; other roles get 403."),
    "adminOrSelf": (["ADMIN"], "Roles: ADMIN for any user; any signed-in user for their own id (403 for another)."),
}

# ---------------------------------------------------------------- schema helpers


def s(type_, **kw):
    d = {"type": type_}
    d.update(kw)
    return d


def nullable(schema):
    schema = copy.deepcopy(schema)
    t = schema.get("type")
    if isinstance(t, str):
        schema["type"] = [t, "null"]
    elif isinstance(t, list):
        if "null" not in t:
            schema["type"] = t + ["null"]
    else:
        raise ValueError(schema)
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = schema["enum"] + [None]
    return schema


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def enum(values, **kw):
    return s("string", enum=list(values), **kw)


UUID = s("string", format="uuid")
DT = s("string", format="date-time")
DATE = s("string", format="date")
STR = s("string")
INT = s("integer")
COUNT = s("integer", minimum=0)
BOOL = s("boolean")
NUM = s("number")
MONEY_OUT = s("number", minimum=0, description="Amount with at most two decimals (stored as integer cents).")
MONEY_IN = s("number", minimum=0, maximum=1000000000000, multipleOf=0.01,
             description="Non-negative amount with at most two decimals; negative amounts or more decimals are a 400.")
JSON_OBJECT = s("object", additionalProperties=True, description="Free-form JSON object.")
# What a request may send as free-form JSON (JSONLimits.input) and the text caps (TextLimits).
JSON_IN = s("object", additionalProperties=True, maxProperties=200,
            description="Free-form JSON object: at most 16 levels deep, 200 keys per object, 1000 values in all, "
                        "keys of up to 100 characters, 16 KB as compact JSON; no key twice. Beyond: 400 naming the field.")
NOTES = s("string", maxLength=5000, description="At most 5000 characters.")
SUBJECT = s("string", maxLength=200, description="At most 200 characters.")


def obj(props, required=None, description=None, **kw):
    d = {"type": "object"}
    if description:
        d["description"] = description
    if required is None:
        required = list(props)
    if required:
        d["required"] = required
    d["properties"] = props
    d.update(kw)
    return d


def resp_obj(props, description=None):
    """Response object: every key is always present (optional ones are written as null)."""
    return obj(props, required=list(props), description=description)


def d(schema, text):
    schema = copy.deepcopy(schema)
    schema["description"] = text
    return schema


# ---------------------------------------------------------------- component schemas
schemas = {}

schemas["Problem"] = obj({
    "type": s("string", description="`urn:native-crm:problem:<code>` (e.g. `validation-failed`, `not-found`, `unauthorized`, "
                                     "`forbidden`, `conflict`, `duplicate-email`, `too-many-login-attempts`, "
                                     "`payload-too-large`, `database-unavailable`) or `about:blank`."),
    "title": s("string", description="The HTTP reason phrase."),
    "status": s("integer", description="The HTTP status code."),
    "detail": s("string", description="Human-readable explanation."),
    "errors": s("array", items=ref("FieldError"),
                description="One entry per bad input field (body path, query or path parameter, or `body`); empty when no field is at fault."),
    "instance": s("string", description="The request path."),
    "requestId": s("string", description="The request id, as echoed in `X-Request-ID`."),
    "currentVersion": s("integer", description="Only on 412: the resource's current version (its ETag)."),
}, required=["type", "title", "status", "detail", "errors"],
    description="RFC 9457 problem details; every error response has this shape.")

schemas["FieldError"] = obj({"field": STR, "message": STR})

schemas["UserRole"] = enum(USER_ROLES)
schemas["CustomerStatus"] = enum(CUSTOMER_STATUS)
schemas["AppointmentStatus"] = enum(APPOINTMENT_STATUS)
schemas["CommunicationType"] = enum(COMM_TYPE)
schemas["CommunicationDirection"] = enum(COMM_DIRECTION)
schemas["CommunicationStatus"] = enum(COMM_STATUS)
schemas["ActionType"] = enum(ACTION_TYPE)
schemas["ActionStatus"] = enum(ACTION_STATUS)
schemas["ActionPriority"] = enum(ACTION_PRIORITY)
schemas["LeadSource"] = enum(LEAD_SOURCE)
schemas["LeadStatus"] = enum(LEAD_STATUS)
schemas["NotificationType"] = enum(NOTIFICATION_TYPE)

# --- operations
schemas["HealthStatus"] = resp_obj({"status": enum(["ok"])})
schemas["ReadyStatus"] = resp_obj({"status": enum(["ready"]), "database": enum(["ok"])})

# --- auth and users
schemas["LoginRequest"] = obj({
    "email": s("string", maxLength=254, description="Trimmed and lower-cased before lookup; over 254 characters: 400."),
    "password": STR,
}, additionalProperties=False)
schemas["PasswordChangeRequest"] = obj({
    "currentPassword": d(STR, "The caller's password now; a wrong one is a 400 naming it and counts as a failed login."),
    "newPassword": s("string", minLength=8, maxLength=72, description="8 to 72 characters."),
}, additionalProperties=False)
schemas["LoginUser"] = resp_obj({"id": UUID, "email": STR, "name": STR, "role": ref("UserRole")})
schemas["LoginResponse"] = resp_obj({
    "token": d(STR, "Bearer JWT (HS256) with `sub`, `exp`, `iat`, `jti`, `role` and `ver` (the user's token epoch)."),
    "expiresAt": DT,
    "user": ref("LoginUser"),
})
schemas["User"] = resp_obj({
    "id": UUID, "email": STR, "name": STR, "role": ref("UserRole"), "active": BOOL,
    "createdAt": DT, "updatedAt": DT,
}, description="A user of the CRM (never the password hash).")
schemas["CreateUserRequest"] = obj({
    "email": s("string", format="email", maxLength=254,
               description="Trimmed and lower-cased; must be a plausible address; unique (409 `duplicate-email`)."),
    "name": s("string", minLength=1, maxLength=100, description="1 to 100 characters after trimming."),
    "role": ref("UserRole"),
    "password": s("string", minLength=8, maxLength=72, description="8 to 72 characters."),
    "active": nullable(d(BOOL, "Defaults to true; null is the same as absent.")),
}, required=["email", "name", "role", "password"], additionalProperties=False)
schemas["UpdateUserRequest"] = obj({
    "name": nullable(s("string", minLength=1, maxLength=100, description="1 to 100 characters after trimming.")),
    "role": nullable(enum(USER_ROLES)),
    "active": nullable(d(BOOL, "Deactivating or reactivating ends every token issued before.")),
    "password": nullable(s("string", minLength=8, maxLength=72,
                           description="An ADMIN's reset: 8 to 72 characters; ends every token of the user issued before.")),
}, required=[], additionalProperties=False,
    description="Only the fields present (and not null) change; any other key is a 400 naming it. Demoting or "
                "deactivating the last active ADMIN is a 409 `last-admin`.")

# --- customers
schemas["Customer"] = resp_obj({
    "id": UUID, "firstName": STR, "lastName": STR,
    "email": nullable(STR), "phone": nullable(STR),
    "dateOfBirth": nullable(DATE), "assignedSalesId": nullable(UUID),
    "createdAt": DT, "updatedAt": DT,
})
schemas["CreatedCustomer"] = resp_obj({
    **schemas["Customer"]["properties"],
    "possibleDuplicates": d(s("array", items=UUID), "Other customers with the same email or phone (oldest first, "
                                                    "at most 20): the customer is created anyway (families share a "
                                                    "phone), and the front desk can check whether it is the same person."),
})
NAME100 = s("string", minLength=1, maxLength=100, description="1 to 100 characters after trimming.")
EMAIL_IN = s("string", format="email", maxLength=254,
             description="Trimmed and lower-cased; must be a plausible address. An empty string means none.")
PHONE_IN = s("string", maxLength=50,
             description="Separators (spaces, dots, dashes, parentheses, slashes) are removed and a leading `00` "
                         "is read as `+`; with `+` it must be E.164 (8 to 15 digits), otherwise 5 to 15 digits. "
                         "An empty string means none.")
schemas["CreateCustomerRequest"] = obj({
    "firstName": NAME100,
    "lastName": NAME100,
    "email": nullable(EMAIL_IN),
    "phone": nullable(PHONE_IN),
    "dateOfBirth": nullable(d(DATE, "A past date, year 1900 or later.")),
    "assignedSalesId": nullable(d(UUID, "Must be an active SALESPERSON; a salesperson's new customer defaults to themselves.")),
}, required=["firstName", "lastName"])
schemas["UpdateCustomerRequest"] = obj({
    "firstName": nullable(d(NAME100, "Null or absent leaves it unchanged.")),
    "lastName": nullable(d(NAME100, "Null or absent leaves it unchanged.")),
    "email": nullable(d(EMAIL_IN, "Null clears it.")),
    "phone": nullable(d(PHONE_IN, "Null clears it.")),
    "dateOfBirth": nullable(d(DATE, "A past date, year 1900 or later; null clears it.")),
    "assignedSalesId": nullable(d(UUID, "An active SALESPERSON, or null to unassign. A SALESPERSON may only claim an "
                                        "unassigned customer for themselves (403 otherwise).")),
}, required=[], description="Partial update: absent fields stay as they are.")
schemas["CustomerBrief"] = resp_obj({"firstName": STR, "lastName": STR, "email": nullable(STR), "phone": nullable(STR)})
schemas["RepeatCustomer"] = resp_obj({
    "id": d(UUID, "The customer record's id."),
    "customerId": UUID,
    "customer": ref("CustomerBrief"),
    "repeatCount": COUNT,
    "lifetimeValue": MONEY_OUT,
    "lastAppointmentDate": nullable(DT),
    "expectedNextVisit": nullable(DATE),
    "completedAppointments": COUNT,
    "averageDaysBetweenVisits": nullable(NUM),
    "assignedSalesId": nullable(UUID),
})
schemas["FollowUpCustomer"] = resp_obj({
    "id": d(UUID, "The customer record's id."),
    "customerId": UUID,
    "customer": ref("CustomerBrief"),
    "customerStatus": ref("CustomerStatus"),
    "assignedSalesId": nullable(UUID),
    "lastContactDate": nullable(DT),
    "daysSinceLastContact": nullable(d(INT, "Whole days since the last contact; null when never contacted.")),
    "lastAppointmentDate": nullable(DT),
    "expectedNextVisit": nullable(DATE),
})

# --- records
schemas["TreatmentHistoryEntry"] = resp_obj({
    "appointmentId": UUID, "serviceName": STR, "clinicName": STR, "date": DT,
    "totalAmount": MONEY_OUT, "treatmentDetails": JSON_OBJECT,
})
schemas["CustomerRecord"] = resp_obj({
    "id": UUID, "customerId": UUID,
    "customerStatus": ref("CustomerStatus"),
    "lifetimeValue": MONEY_OUT,
    "totalAppointments": COUNT, "completedAppointments": COUNT, "cancelledAppointments": COUNT,
    "lastAppointmentDate": nullable(DT),
    "nextAppointmentDate": nullable(DT),
    "lastContactDate": nullable(DT),
    "averageDaysBetweenVisits": nullable(NUM),
    "isRepeatCustomer": BOOL,
    "repeatCount": COUNT,
    "expectedNextVisit": nullable(DATE),
    "notes": nullable(STR),
    "preferences": JSON_OBJECT,
    "treatmentHistory": s("array", items=ref("TreatmentHistoryEntry"),
                          description="Completed visits, newest first (at most 100)."),
    "createdAt": DT, "updatedAt": DT,
}, description="The customer record; every statistic is derived from the customer's history.")
schemas["RecordSummary"] = resp_obj({
    "totalAppointments": COUNT, "completedAppointments": COUNT, "lifetimeValue": MONEY_OUT,
    "lastAppointment": nullable(DT), "nextAppointment": nullable(DT),
    "isRepeatCustomer": BOOL, "repeatCount": COUNT,
})
schemas["CustomerRecordView"] = resp_obj({
    "record": ref("CustomerRecord"),
    "customer": ref("Customer"),
    "appointments": s("array", items=ref("Appointment"), description="The 100 most recent, latest first."),
    "communications": s("array", items=ref("Communication"), description="The 100 most recent, newest first."),
    "actions": s("array", items=ref("Action"), description="Up to 100 the caller may see, in due order."),
    "tags": s("array", items=ref("CustomerTag"), description="Oldest first."),
    "summary": ref("RecordSummary"),
})
schemas["UpdateRecordRequest"] = obj({
    "customerStatus": nullable(d(enum(CUSTOMER_STATUS), "Null or absent leaves it unchanged.")),
    "notes": nullable(d(NOTES, "At most 5000 characters; null clears it.")),
    "preferences": nullable(d(JSON_IN, JSON_IN["description"] + " Merged shallowly into the stored preferences (the result "
                                        "within the same limits); a key set to null is removed.")),
}, required=[],
    propertyNames={"not": {"enum": READ_ONLY_RECORD_KEYS}},
    description="Only `customerStatus`, `notes` and `preferences` may change. Sending a derived or read-only "
                "field (" + ", ".join(f"`{k}`" for k in READ_ONLY_RECORD_KEYS) + ") is a 400 naming each one.")

# --- appointments and catalogue
schemas["Appointment"] = resp_obj({
    "id": UUID, "customerId": UUID, "serviceId": UUID, "serviceName": STR,
    "clinicId": UUID, "clinicName": STR,
    "startTime": DT, "endTime": nullable(DT),
    "status": ref("AppointmentStatus"),
    "totalAmount": MONEY_OUT,
    "treatmentDetails": JSON_OBJECT,
    "notes": nullable(STR),
    "createdBy": nullable(UUID),
    "createdAt": DT, "updatedAt": DT,
})
schemas["CreateAppointmentRequest"] = obj({
    "customerId": d(UUID, "An existing customer (400 otherwise)."),
    "serviceId": d(UUID, "An existing service (400 otherwise)."),
    "clinicId": d(UUID, "An existing clinic (400 otherwise)."),
    "startTime": DT,
    "endTime": nullable(d(DT, "After `startTime`.")),
    "status": nullable(d(enum(APPOINTMENT_STATUS), "Defaults to `scheduled`.")),
    "totalAmount": nullable(d(MONEY_IN, "Defaults to the service's price.")),
    "treatmentDetails": nullable(JSON_IN),
    "notes": nullable(NOTES),
}, required=["customerId", "serviceId", "clinicId", "startTime"])
schemas["UpdateAppointmentRequest"] = obj({
    "serviceId": nullable(d(UUID, "An existing service; null or absent leaves it unchanged.")),
    "clinicId": nullable(d(UUID, "An existing clinic; null or absent leaves it unchanged.")),
    "startTime": nullable(d(DT, "Null or absent leaves it unchanged.")),
    "endTime": nullable(d(DT, "After the start; null clears it.")),
    "status": nullable(d(enum(APPOINTMENT_STATUS),
                         "scheduled → confirmed|completed|cancelled|no_show; confirmed → scheduled|completed|cancelled|no_show; "
                         "no_show → scheduled; completed and cancelled are final (409).")),
    "totalAmount": nullable(MONEY_IN),
    "treatmentDetails": nullable(d(JSON_IN, JSON_IN["description"] + " Merged shallowly; a key set to null is removed.")),
    "notes": nullable(d(NOTES, "At most 5000 characters; null clears it.")),
}, required=[], description="Partial update. A completed or cancelled appointment cannot change status or be moved (409).")
schemas["Clinic"] = resp_obj({
    "id": UUID, "name": STR, "address": nullable(STR), "phone": nullable(STR), "createdAt": DT, "updatedAt": DT,
})
NAME_UNIQUE = s("string", minLength=1, maxLength=100, description="1 to 100 characters after trimming; unique ignoring case (409).")
schemas["CreateClinicRequest"] = obj({
    "name": NAME_UNIQUE,
    "address": nullable(s("string", maxLength=500, description="At most 500 characters.")),
    "phone": nullable(PHONE_IN),
}, required=["name"])
schemas["UpdateClinicRequest"] = obj({
    "name": nullable(d(NAME_UNIQUE, "Null or absent leaves it unchanged.")),
    "address": nullable(s("string", maxLength=500, description="At most 500 characters; null clears it.")),
    "phone": nullable(d(PHONE_IN, "Null clears it.")),
}, required=[])
schemas["Service"] = resp_obj({
    "id": UUID, "name": STR, "price": MONEY_OUT,
    "typicalIntervalDays": nullable(INT), "durationMinutes": nullable(INT),
    "createdAt": DT, "updatedAt": DT,
})
schemas["CreateServiceRequest"] = obj({
    "name": NAME_UNIQUE,
    "price": MONEY_IN,
    "typicalIntervalDays": nullable(s("integer", minimum=1, maximum=3650)),
    "durationMinutes": nullable(s("integer", minimum=1, maximum=1440)),
}, required=["name", "price"])
schemas["UpdateServiceRequest"] = obj({
    "name": nullable(d(NAME_UNIQUE, "Null or absent leaves it unchanged.")),
    "price": nullable(d(MONEY_IN, "Applies to appointments booked from now on; booked ones keep their amount.")),
    "typicalIntervalDays": nullable(s("integer", minimum=1, maximum=3650, description="Null clears it.")),
    "durationMinutes": nullable(s("integer", minimum=1, maximum=1440, description="Null clears it.")),
}, required=[])

# --- communications
schemas["Communication"] = resp_obj({
    "id": UUID, "customerId": UUID,
    "type": ref("CommunicationType"),
    "direction": nullable(enum(COMM_DIRECTION)),
    "status": ref("CommunicationStatus"),
    "subject": nullable(STR), "notes": nullable(STR),
    "durationSeconds": nullable(INT),
    "scheduledAt": nullable(DT),
    "occurredAt": DT,
    "metadata": JSON_OBJECT,
    "loggedBy": UUID,
    "createdAt": DT,
    "updatedAt": DT,
})
schemas["CreateCommunicationRequest"] = obj({
    "customerId": d(UUID, "An existing customer (400 otherwise)."),
    "type": ref("CommunicationType"),
    "direction": nullable(enum(COMM_DIRECTION)),
    "status": nullable(d(enum(COMM_STATUS), "Defaults to `completed`; `scheduled` needs `scheduledAt`.")),
    "subject": nullable(SUBJECT),
    "notes": nullable(NOTES),
    "durationSeconds": nullable(s("integer", minimum=0, maximum=86400)),
    "scheduledAt": nullable(d(DT, "Required when status is `scheduled`.")),
    "occurredAt": nullable(d(DT, "Defaults to `scheduledAt` for a scheduled communication, else to now.")),
    "metadata": nullable(JSON_IN),
}, required=["customerId", "type"])
schemas["UpdateCommunicationRequest"] = obj({
    "status": nullable(d(enum(COMM_STATUS), "Only a `scheduled` communication changes status (409 `communication-closed` "
                                            "otherwise). Any outcome but `cancelled` applies like a newly logged one, "
                                            "at the time it is marked.")),
    "scheduledAt": nullable(d(DT, "Moves a scheduled communication (and its reminder); only while it stays scheduled.")),
    "subject": nullable(d(SUBJECT, "Null clears it.")),
    "notes": nullable(d(NOTES, "Null clears it.")),
}, required=[])

# --- actions
schemas["Action"] = resp_obj({
    "id": UUID,
    "customerId": nullable(UUID),
    "actionType": ref("ActionType"),
    "title": STR,
    "description": nullable(STR),
    "status": ref("ActionStatus"),
    "priority": ref("ActionPriority"),
    "dueDate": nullable(DT),
    "relatedAppointmentId": nullable(UUID),
    "relatedLeadId": nullable(UUID),
    "metadata": JSON_OBJECT,
    "assignedTo": nullable(UUID),
    "createdBy": nullable(UUID),
    "completedAt": nullable(DT),
    "isOverdue": d(BOOL, "Pending and past its due date."),
    "secondsUntilDue": nullable(d(INT, "Seconds from now to the due date, negative when past; null without a due date.")),
    "createdAt": DT, "updatedAt": DT,
    "customer": nullable(d(resp_obj({"id": UUID, "firstName": STR, "lastName": STR, "phone": nullable(STR)}),
                           "Who the action is about (null without a customer), so a to-do list needs no request per row.")),
})
TITLE = s("string", minLength=1, maxLength=200, description="1 to 200 characters after trimming.")
schemas["CreateActionRequest"] = obj({
    "customerId": d(UUID, "Required; an existing customer (400 otherwise)."),
    "actionType": ref("ActionType"),
    "title": TITLE,
    "description": nullable(NOTES),
    "status": nullable(d(enum(ACTION_STATUS), "Defaults to `pending`.")),
    "priority": nullable(d(enum(ACTION_PRIORITY), "Defaults to `medium`.")),
    "dueDate": nullable(DT),
    "relatedAppointmentId": nullable(d(UUID, "An appointment of the same customer (400 otherwise).")),
    "relatedLeadId": nullable(UUID),
    "metadata": nullable(JSON_IN),
    "assignedTo": nullable(d(UUID, "An active user; defaults to the creator if a SALESPERSON, else the customer's salesperson.")),
}, required=["customerId", "actionType", "title"])
schemas["UpdateActionRequest"] = obj({
    "actionType": nullable(enum(ACTION_TYPE)),
    "title": nullable(TITLE),
    "description": nullable(d(NOTES, "At most 5000 characters; null clears it.")),
    "status": nullable(enum(ACTION_STATUS)),
    "priority": nullable(enum(ACTION_PRIORITY)),
    "dueDate": nullable(d(DT, "Null clears it.")),
    "assignedTo": nullable(d(UUID, "An active user; null unassigns.")),
    "metadata": nullable(d(JSON_IN, JSON_IN["description"] + " Merged shallowly; a key set to null is removed.")),
}, required=[], description="Partial update: only the fields present change.")

# --- leads
schemas["Lead"] = resp_obj({
    "id": UUID,
    "source": ref("LeadSource"),
    "firstName": STR,
    "lastName": nullable(STR),
    "email": nullable(STR),
    "phone": nullable(STR),
    "status": ref("LeadStatus"),
    "notes": nullable(STR),
    "estimatedValue": nullable(MONEY_OUT),
    "metadata": JSON_OBJECT,
    "assignedSalesId": nullable(UUID),
    "lostReason": nullable(STR),
    "convertedCustomerId": nullable(UUID),
    "convertedAt": nullable(DT),
    "firstContactedAt": nullable(DT),
    "createdBy": nullable(UUID),
    "createdAt": DT, "updatedAt": DT,
})
schemas["CreateLeadRequest"] = obj({
    "source": ref("LeadSource"),
    "firstName": NAME100,
    "lastName": nullable(s("string", maxLength=100)),
    "email": nullable(d(EMAIL_IN, "A lead needs an email or a phone (400 otherwise).")),
    "phone": nullable(d(PHONE_IN, "A lead needs an email or a phone (400 otherwise).")),
    "status": nullable(d(enum(["new", "contacted", "qualified"]),
                         "Defaults to `new`; `converted` and `lost` are only reachable through PATCH (400 here).")),
    "notes": nullable(NOTES),
    "estimatedValue": nullable(MONEY_IN),
    "metadata": nullable(JSON_IN),
    "assignedSalesId": nullable(d(UUID, "An active SALESPERSON. A SALESPERSON may only name themselves (400 otherwise); "
                                        "without it the least-loaded salesperson gets the lead.")),
}, required=["source", "firstName"])
schemas["UpdateLeadRequest"] = obj({
    "status": nullable(d(enum(LEAD_STATUS), "`converted` creates or links the customer; a converted lead cannot change status (409).")),
    "notes": nullable(d(NOTES, "At most 5000 characters; null clears it.")),
    "estimatedValue": nullable(d(MONEY_IN, "Null clears it.")),
    "source": nullable(enum(LEAD_SOURCE)),
    "firstName": nullable(NAME100),
    "lastName": nullable(d(s("string", maxLength=100), "Null clears it.")),
    "email": nullable(d(EMAIL_IN, "Null clears it; the lead must keep an email or a phone.")),
    "phone": nullable(d(PHONE_IN, "Null clears it; the lead must keep an email or a phone.")),
    "metadata": nullable(d(JSON_IN, JSON_IN["description"] + " Merged shallowly; a key set to null is removed.")),
    "assignedSalesId": nullable(d(UUID, "An active SALESPERSON, or null to unassign. A SALESPERSON may only claim (403 otherwise).")),
    "lostReason": nullable(s("string", maxLength=500, description="Kept only while the status is `lost`.")),
}, required=[], description="Partial update. A SALESPERSON may change only leads assigned to them or unassigned (403 otherwise).")

# --- analytics
schemas["SalespersonAnalytics"] = resp_obj({
    "salespersonId": nullable(d(UUID, "The salesperson described; null for the whole sales team.")),
    "period": resp_obj({"startDate": DATE, "endDate": DATE}),
    "communications": resp_obj({k: COUNT for k in
                                ["total", "calls", "missedCalls", "emails", "sms", "whatsapp", "meetings", "notes"]}),
    "actions": resp_obj({k: COUNT for k in ["total", "pending", "completed", "missed", "cancelled", "overdue"]}),
    "customers": resp_obj({"total": COUNT, "repeat": COUNT, "totalRevenue": MONEY_OUT}),
    "leads": resp_obj({
        "total": COUNT,
        "converted": COUNT,
        "conversionRate": s("number", minimum=0, maximum=1, description="converted ÷ total, four decimals (0 without leads)."),
        "bySource": obj({k: COUNT for k in LEAD_SOURCE}, additionalProperties=COUNT,
                        description="Lead count per source; every source is present, zeros included."),
        "medianMinutesToFirstContact": nullable(d(NUM, "Null when no lead was contacted.")),
    }),
})

# --- notifications
schemas["Notification"] = resp_obj({
    "id": UUID,
    "type": ref("NotificationType"),
    "title": STR,
    "body": STR,
    "entityType": nullable(STR),
    "entityId": nullable(UUID),
    "createdAt": DT,
    "readAt": nullable(d(DT, "Null while unread.")),
})
schemas["NotificationEvent"] = obj({
    "event": d(enum(["notification", "error"]),
               "`error` is the last event of a stream whose session ended: `data` is `{reason, detail}`, reason one of "
               "`token-expired`, `logged-out`, `session-ended`, `user-inactive`, `too-many-streams`."),
    "id": d(STR, "A cursor (time and id of the notification); send it back as `Last-Event-ID` to resume."),
    "data": s("string", contentMediaType="application/json", contentSchema=ref("Notification"),
              description="The Notification as JSON."),
    "retry": d(INT, "Reconnection delay in milliseconds (2000, sent once at the start)."),
}, required=["event", "id", "data"],
    description="One Server-Sent Event of the notification stream (the schema describes each event). The stream "
                "opens with `retry: 2000` and a `: connected` comment and sends a `: ping` comment when idle.")
schemas["StreamTicket"] = resp_obj({
    "ticket": d(STR, "Pass as `?ticket=` within 60 s; it works once."),
    "expiresAt": DT,
})
schemas["ReadAllResponse"] = resp_obj({"updated": d(COUNT, "How many notifications were marked read.")})

# --- tags
schemas["Tag"] = resp_obj({
    "id": UUID, "name": STR, "color": nullable(STR), "description": nullable(STR), "createdAt": DT, "updatedAt": DT,
})
schemas["TagSummary"] = resp_obj({"id": UUID, "name": STR, "color": nullable(STR), "description": nullable(STR)})
schemas["CustomerTag"] = resp_obj({
    "id": d(UUID, "The attachment's id (used by `DELETE /crm/customer-tags/{id}`)."),
    "customerId": UUID,
    "tag": ref("TagSummary"),
    "notes": nullable(STR),
    "addedBy": nullable(UUID),
    "createdAt": DT,
})
COLOR = s("string", pattern="^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$",
          description="`#RGB` or `#RRGGBB` (stored upper-case); an empty string means none.")
TAGNAME = s("string", minLength=1, maxLength=100, description="1 to 100 characters after trimming; unique ignoring case (409).")
schemas["CreateTagRequest"] = obj({
    "name": TAGNAME,
    "color": nullable(COLOR),
    "description": nullable(NOTES),
}, required=["name"])
schemas["UpdateTagRequest"] = obj({
    "name": nullable(d(TAGNAME, "Null or absent leaves it unchanged.")),
    "color": nullable(d(COLOR, "Null clears it.")),
    "description": nullable(d(NOTES, "At most 5000 characters; null clears it.")),
}, required=[])
schemas["AttachTagRequest"] = obj({
    "tagId": d(UUID, "An existing tag (400 otherwise)."),
    "notes": nullable(NOTES),
}, required=["tagId"])

# Every request body refuses a key it does not take: a 400 names each unknown key.
for _name, _schema in schemas.items():
    if _name.endswith("Request") and _schema.get("type") == "object":
        _schema["additionalProperties"] = False

# ---------------------------------------------------------------- headers and responses
headers = {
    "XRequestID": {
        "description": "The request id: the client's `X-Request-ID` when it is 1 to 64 of `A-Z a-z 0-9 . _ -`, else a new UUID.",
        "required": True,
        "schema": s("string", pattern="^[A-Za-z0-9._-]{1,64}$"),
    },
    "Link": {
        "description": "Present when another page exists: `<path?...&cursor=...>; rel=\"next\"`.",
        "required": False,
        "schema": STR,
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": s("string", pattern="^[0-9]+$"),
    },
    "ETag": {
        "description": "The resource's version, `\"<n>\"`: send it back in `If-Match` to update only that version.",
        "required": True,
        "schema": s("string", pattern='^"[0-9]+"$'),
    },
    "IdempotentReplayed": {
        "description": "`true` when the response is the stored answer to an earlier request with the same `Idempotency-Key`.",
        "required": False,
        "schema": enum(["true"]),
    },
    "WWWAuthenticate": {
        "description": "`Bearer` (absent on a failed login).",
        "required": False,
        "schema": STR,
    },
}
H_RID = {"$ref": "#/components/headers/XRequestID"}


def problem_response(description, extra_headers=None):
    h = {"X-Request-ID": H_RID}
    if extra_headers:
        h.update(extra_headers)
    return {
        "description": description,
        "headers": h,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


responses = {
    "BadRequest": problem_response(
        "Invalid input (`validation-failed`): malformed JSON, wrong type, missing field, unknown enum value, bad UUID, "
        "bad date, out-of-range number, bad `limit` or `cursor`. `errors` names each offending field."),
    "Unauthorized": problem_response(
        "No, expired or invalid bearer token, or the user is inactive (`unauthorized`).",
        {"WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}}),
    "Forbidden": problem_response("The caller's role may not do this (`forbidden`)."),
    "NotFound": problem_response("No such resource (`not-found`)."),
    "Conflict": problem_response("The change conflicts with existing data or the resource's state."),
    "PayloadTooLarge": problem_response("The request body is larger than 512 KiB (`payload-too-large`)."),
    "UnsupportedMediaType": problem_response("The body is not sent as `application/json` (`unsupported-media-type`)."),
    "IdempotencyKeyReused": problem_response(
        "The `Idempotency-Key` was already used with a different request (`idempotency-key-reused`)."),
    "PreconditionFailed": problem_response(
        "`If-Match` names an older version (`version-mismatch`); `currentVersion` and the `ETag` header give the current one.",
        {"ETag": {"$ref": "#/components/headers/ETag"}}),
    "TooManyRequests": problem_response(
        "Too many failed sign-ins from this client address (`too-many-login-attempts`): 5 failures for one account, or 30 "
        "for any accounts, within 15 minutes lock that address (for that account, or for all) for 15 minutes.",
        {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}),
    "ServiceUnavailable": problem_response(
        "The database does not answer (`database-unavailable`), or kept aborting this write to resolve conflicts with "
        "concurrent ones after 3 tries (`database-busy`): retry after `Retry-After` seconds.",
        {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}),
}


def R(name):
    return {"$ref": f"#/components/responses/{name}"}


def ok(schema, description, status_examples=None, list_=False, media="application/json"):
    h = {"X-Request-ID": H_RID}
    if list_:
        h["Link"] = {"$ref": "#/components/headers/Link"}
        schema = s("array", items=schema)
    content = {"schema": schema}
    if status_examples:
        content["examples"] = status_examples
    return {"description": description, "headers": h, "content": {media: content}}


def no_content(description):
    return {"description": description, "headers": {"X-Request-ID": H_RID}}


# ---------------------------------------------------------------- parameters


def qp(name, schema, description, required=False):
    return {"name": name, "in": "query", "required": required, "description": description, "schema": copy.deepcopy(schema)}


def pp(name, description):
    return {"name": name, "in": "path", "required": True, "description": description + " Not a UUID: 400.",
            "schema": copy.deepcopy(UUID)}


LIMIT = qp("limit", s("integer", minimum=1, maximum=200, default=50), "Page size, 1 to 200 (default 50).")
CURSOR = qp("cursor", STR, "Opaque cursor from the previous page's `Link` header (only valid with the same filters); "
                           "a cursor this server did not issue is a 400.")
PAGING = [LIMIT, CURSOR]
BOOL_Q = s("string", pattern="^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$",
           description="`true`/`false` (any case) or `1`/`0`; anything else is a 400.")
INSTANT_Q = {"anyOf": [s("string", format="date"), s("string", format="date-time")]}


def q_enum(name, values, description):
    return qp(name, enum(values), description)


def q_uuid(name, description):
    return qp(name, UUID, description + " Not a UUID: 400.")


# ---------------------------------------------------------------- examples (from the seed document)
EX_CUSTOMER_ID = "3f2b8c1e-5d4a-4e8b-9a61-2c7d0e9f1a23"
EX_RECORD_ID = "7a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
EX_SALES_ID = "b5e4d3c2-a1f0-4e9d-8c7b-6a5f4e3d2c1b"
EX_ADMIN_ID = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a"
EX_APPT_ID = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
EX_SERVICE_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
EX_CLINIC_ID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
EX_TAG_ID = "e2d1c0b9-a8f7-4e6d-8c5b-4a3f2e1d0c9b"
EX_LEAD_ID = "4c3b2a19-0f8e-4d7c-9b6a-5f4e3d2c1b0a"
EX_COMM_ID = "6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a"
EX_ACTION_ID = "8f7e6d5c-4b3a-4291-8f0e-9d8c7b6a5f4e"
EX_ATTACH_ID = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"

ex_record_block = {
    "id": EX_RECORD_ID,
    "customerId": EX_CUSTOMER_ID,
    "customerStatus": "vip",
    "lifetimeValue": 1500.0,
    "totalAppointments": 10,
    "completedAppointments": 9,
    "cancelledAppointments": 1,
    "lastAppointmentDate": "2024-01-15T10:00:00Z",
    "nextAppointmentDate": "2024-02-01T14:00:00Z",
    "lastContactDate": "2024-01-20T09:00:00Z",
    "averageDaysBetweenVisits": 30,
    "isRepeatCustomer": True,
    "repeatCount": 8,
    "expectedNextVisit": "2024-02-15",
    "notes": "Prefers morning appointments",
    "preferences": {"preferredTime": "morning", "preferredServices": ["botox", "fillers"]},
    "treatmentHistory": [{
        "appointmentId": EX_APPT_ID,
        "serviceName": "Botox Treatment",
        "clinicName": "Beauty Clinic",
        "date": "2024-01-15T10:00:00Z",
        "totalAmount": 150.0,
        "treatmentDetails": {},
    }],
    "createdAt": "2023-03-01T08:30:00Z",
    "updatedAt": "2024-01-20T09:00:00Z",
}
ex_appointment = {
    "id": EX_APPT_ID,
    "customerId": EX_CUSTOMER_ID,
    "serviceId": EX_SERVICE_ID,
    "serviceName": "Botox Treatment",
    "clinicId": EX_CLINIC_ID,
    "clinicName": "Beauty Clinic",
    "startTime": "2024-01-15T10:00:00Z",
    "endTime": None,
    "status": "completed",
    "totalAmount": 150.0,
    "treatmentDetails": {},
    "notes": None,
    "createdBy": EX_ADMIN_ID,
    "createdAt": "2024-01-02T11:00:00Z",
    "updatedAt": "2024-01-15T11:00:00Z",
}
ex_comm_request = {
    "customerId": EX_CUSTOMER_ID,
    "type": "call",
    "direction": "outgoing",
    "status": "completed",
    "subject": "Follow-up on treatment interest",
    "notes": "Customer confirmed booking for next week",
    "durationSeconds": 420,
}
ex_communication = {
    "id": EX_COMM_ID,
    **ex_comm_request,
    "scheduledAt": None,
    "occurredAt": "2024-01-20T09:00:00Z",
    "metadata": {},
    "loggedBy": EX_SALES_ID,
    "createdAt": "2024-01-20T09:00:00.000Z",
    "updatedAt": "2024-01-20T09:00:00.000Z",
}
ex_action_request = {
    "customerId": EX_CUSTOMER_ID,
    "actionType": "follow_up",
    "title": "Confirm appointment",
    "description": "Call to confirm appointment 24 hours before",
    "status": "pending",
    "priority": "high",
    "dueDate": "2024-01-31T09:00:00Z",
}
ex_action = {
    "id": EX_ACTION_ID,
    **ex_action_request,
    "relatedAppointmentId": None,
    "relatedLeadId": None,
    "metadata": {},
    "assignedTo": EX_SALES_ID,
    "createdBy": EX_SALES_ID,
    "completedAt": None,
    "isOverdue": False,
    "secondsUntilDue": 86400,
    "createdAt": "2024-01-30T09:00:00.000Z",
    "updatedAt": "2024-01-30T09:00:00.000Z",
    "customer": {"id": EX_CUSTOMER_ID, "firstName": "John", "lastName": "Doe", "phone": "+41791234567"},
}
ex_customer_tag = {
    "id": EX_ATTACH_ID,
    "customerId": EX_CUSTOMER_ID,
    "tag": {"id": EX_TAG_ID, "name": "VIP", "color": "#FFD700", "description": "High-value client"},
    "notes": "Spent over $5000 in last 6 months",
    "addedBy": EX_SALES_ID,
    "createdAt": "2024-01-20T09:05:00Z",
}
ex_customer = {
    "id": EX_CUSTOMER_ID,
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phone": "+41791234567",
    "dateOfBirth": None,
    "assignedSalesId": EX_SALES_ID,
    "createdAt": "2023-03-01T08:30:00Z",
    "updatedAt": "2023-03-01T08:30:00Z",
}
ex_record_view = {
    "record": ex_record_block,
    "customer": ex_customer,
    "appointments": [ex_appointment],
    "communications": [ex_communication],
    "actions": [ex_action],
    "tags": [ex_customer_tag],
    "summary": {
        "totalAppointments": 10,
        "completedAppointments": 9,
        "lifetimeValue": 1500.0,
        "lastAppointment": "2024-01-15T10:00:00Z",
        "nextAppointment": "2024-02-01T14:00:00Z",
        "isRepeatCustomer": True,
        "repeatCount": 8,
    },
}
ex_repeat = [{
    "id": EX_RECORD_ID,
    "customerId": EX_CUSTOMER_ID,
    "customer": {"firstName": "John", "lastName": "Doe", "email": "john@example.com", "phone": None},
    "repeatCount": 5,
    "lifetimeValue": 2500.0,
    "lastAppointmentDate": "2024-01-15T10:00:00Z",
    "expectedNextVisit": "2024-02-15",
    "completedAppointments": 6,
    "averageDaysBetweenVisits": 31,
    "assignedSalesId": EX_SALES_ID,
}]
ex_analytics = {
    "salespersonId": EX_SALES_ID,
    "period": {"startDate": "2024-01-01", "endDate": "2024-01-31"},
    "communications": {"total": 150, "calls": 100, "missedCalls": 10, "emails": 50, "sms": 0, "whatsapp": 0,
                       "meetings": 0, "notes": 0},
    "actions": {"total": 200, "pending": 25, "completed": 160, "missed": 15, "cancelled": 0, "overdue": 3},
    "customers": {"total": 75, "repeat": 30, "totalRevenue": 15000.0},
    "leads": {"total": 40, "converted": 10, "conversionRate": 0.25,
              "bySource": {"facebook_ads": 15, "google_ads": 10, "referral": 8, "walk_in": 2, "website": 5},
              "medianMinutesToFirstContact": 42.5},
}
ex_lead_request = {
    "source": "facebook_ads",
    "firstName": "Jane",
    "lastName": "Smith",
    "email": "jane@example.com",
    "phone": "+1234567890",
    "status": "new",
    "notes": "Interested in botox treatment",
    "estimatedValue": 500.0,
    "metadata": {},
}
ex_lead = {
    "id": EX_LEAD_ID,
    **ex_lead_request,
    "assignedSalesId": EX_SALES_ID,
    "lostReason": None,
    "convertedCustomerId": None,
    "convertedAt": None,
    "firstContactedAt": None,
    "createdBy": EX_ADMIN_ID,
    "createdAt": "2024-01-20T09:00:00Z",
    "updatedAt": "2024-01-20T09:00:00Z",
}
ex_comm_request_full = {
    "customerId": EX_CUSTOMER_ID,
    "type": "call",
    "direction": "outgoing",
    "status": "scheduled",
    "subject": "Follow-up call regarding next appointment",
    "notes": "Customer confirmed interest in new treatment",
    "durationSeconds": 300,
    "scheduledAt": "2024-01-20T10:00:00Z",
    "metadata": {},
}
ex_action_request_full = {
    "customerId": EX_CUSTOMER_ID,
    "actionType": "phone_call",
    "title": "Follow-up call",
    "description": "Call customer to confirm next appointment",
    "status": "pending",
    "priority": "medium",
    "dueDate": "2024-01-25T10:00:00Z",
    "relatedAppointmentId": EX_APPT_ID,
    "relatedLeadId": EX_LEAD_ID,
    "metadata": {"callOutcome": "interested", "nextSteps": "Schedule consultation"},
}


def examples(**named):
    return {k: {"summary": v[0], "value": v[1]} for k, v in named.items()}


# ---------------------------------------------------------------- operations
paths = {}


IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "description": "Makes a retried POST safe: the same key and body from the same user within 24 h get "
                                  "the original answer without writing again (a different body: 422; the first still "
                                  "running: 409).",
                   "schema": s("string", minLength=1, maxLength=255, pattern="^[!-~]+$")}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
            "description": "Update only if the resource is still at this version (`\"3\"`, as sent in `ETag`); "
                           "otherwise 412. Without it the update applies to the current version.",
            "schema": s("string", pattern='^(\\*|(W/)?"?[1-9][0-9]{0,9}"?)$')}


def op(method, path, *, op_id, summary, tag, audience, description="", params=None, body=None, body_examples=None,
       success=None, errors=(), body_required=True, versioned=False):
    roles, role_text = AUDIENCES[audience]
    o = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "description": (description.strip() + "\n\n" + role_text).strip(),
        "x-roles": list(roles),
    }
    if audience == "public":
        o["security"] = []
    params = list(params or [])
    idempotent = method == "post" and path.startswith("/crm/") and path != "/crm/notifications/stream-ticket"
    if idempotent:
        params.append(IDEMPOTENCY_KEY)
    if versioned and method in ("put", "patch"):
        params.append(IF_MATCH)
    if params:
        o["parameters"] = copy.deepcopy(params)
    if body:
        content = {"schema": ref(body)}
        if body_examples:
            content["examples"] = body_examples
        o["requestBody"] = {"required": body_required, "content": {"application/json": content}}
    resp = copy.deepcopy(success)
    for code, r in resp.items():
        if code.startswith("2"):
            if versioned:
                r.setdefault("headers", {})["ETag"] = {"$ref": "#/components/headers/ETag"}
            if idempotent:
                r.setdefault("headers", {})["Idempotent-Replayed"] = {"$ref": "#/components/headers/IdempotentReplayed"}
    codes = set(errors)
    if audience != "public":
        codes.add(401)
    if audience in ("frontDesk", "sellers", "admin"):
        codes.add(403)
    if body:
        codes.update({400, 413, 415})
    if idempotent:
        codes.update({400, 409, 422})
    if versioned and method in ("put", "patch"):
        codes.update({400, 412})
    if method in ("post", "put", "patch", "delete") and path.startswith("/crm/"):
        codes.add(503)
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             412: "PreconditionFailed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
             422: "IdempotencyKeyReused", 429: "TooManyRequests", 503: "ServiceUnavailable"}
    for code in sorted(codes):
        resp[str(code)] = R(names[code])
    o["responses"] = resp
    paths.setdefault(path, {})[method] = o


ID_CUSTOMER = pp("id", "The customer's id.")

# --- operations / docs
op("get", "/health", op_id="getHealth", summary="Liveness: the process is up", tag="Operations", audience="public",
   success={"200": ok(ref("HealthStatus"), "The process is up.")})
op("get", "/ready", op_id="getReady", summary="Readiness: the database answers", tag="Operations", audience="public",
   description="Runs `SELECT 1` with a 3-second limit.",
   success={"200": ok(ref("ReadyStatus"), "The database answers.")}, errors=[503])
op("get", "/metrics", op_id="getMetrics", summary="Prometheus metrics", tag="Operations", audience="admin",
   description="Request counts and durations by route pattern (`http_requests_total`, "
               "`http_request_duration_seconds`, `http_request_errors_total`) and the CRM's counters "
               "(`crm_scheduler_runs_total`, `crm_notifications_delivered_total`, `crm_idempotent_replays_total`, "
               "`crm_throttled_logins_total`) in the Prometheus text format. A scraper may instead send "
               "`Authorization: Bearer <CRM_METRICS_TOKEN>`.",
   success={"200": ok(s("string"), "The Prometheus text exposition.", media="text/plain")})
op("get", "/openapi.yaml", op_id="getOpenAPIDocument", summary="This OpenAPI document", tag="Documentation",
   audience="public", description="404 when the server cannot find `openapi.yaml`.",
   success={"200": ok(s("object", description="The OpenAPI 3.1 document (YAML)."), "The OpenAPI 3.1 document.",
                      media="application/yaml")}, errors=[404])
op("get", "/docs", op_id="getDocs", summary="HTML reference of this API", tag="Documentation", audience="public",
   description="A self-contained HTML page (no scripts). 404 when the server cannot find `openapi.yaml`.",
   success={"200": ok(s("string"), "The HTML reference.", media="text/html")}, errors=[404])

# --- auth
op("post", "/auth/login", op_id="login", summary="Sign in and get a bearer token", tag="Auth", audience="public",
   description="A wrong password, an unknown email and an inactive account all answer the same 401 "
               "(`invalid-credentials`). Failures are counted per client address: 5 for one account within 15 "
               "minutes lock that account for that address, 30 for any accounts lock the address, each for 15 "
               "minutes (429 with `Retry-After`). Other addresses are not locked out; an account failed more than 5 "
               "times from anywhere only answers more slowly (0.25 s doubling to 4 s).",
   body="LoginRequest",
   body_examples=examples(login=("Sign in", {"email": "admin@localhost", "password": "correct-horse-battery"})),
   success={"200": ok(ref("LoginResponse"), "Signed in.")}, errors=[401, 429])
op("get", "/auth/me", op_id="getCurrentUser", summary="The signed-in user", tag="Auth", audience="everyone",
   success={"200": ok(ref("User"), "The caller.")})
op("post", "/auth/logout", op_id="logout", summary="End this token", tag="Auth", audience="everyone",
   description="The token of this request stops working at once, on every instance; the user's other tokens stay.",
   success={"204": no_content("Signed out.")})
op("post", "/auth/password", op_id="changePassword", summary="Change your own password", tag="Auth", audience="everyone",
   description="Checks `currentPassword` under the login throttle (a wrong one is a 400 naming it; too many: 429). "
               "Every earlier token of the user ends; the answer carries a new one.",
   body="PasswordChangeRequest",
   body_examples=examples(change=("Change the password", {"currentPassword": "change-me-now", "newPassword": "a-longer-secret"})),
   success={"200": ok(ref("LoginResponse"), "Changed; a new token.")}, errors=[400, 429])

# --- users
op("post", "/crm/users", op_id="createUser", summary="Create a user", tag="Users", audience="admin",
   description="Emails are unique ignoring case (409 `duplicate-email`).",
   body="CreateUserRequest",
   body_examples=examples(salesperson=("A salesperson", {"email": "maria@clinic.example", "name": "Maria Rossi",
                                                         "role": "SALESPERSON", "password": "s3cret-pass"})),
   success={"201": ok(ref("User"), "The created user.")}, errors=[409])
op("get", "/crm/users", op_id="listUsers", summary="List users", tag="Users", audience="admin",
   description="Ordered by email; keyset-paged.",
   params=[q_enum("role", USER_ROLES, "Only users with this role."),
           qp("active", BOOL_Q, "Only active (true) or inactive (false) users.")] + PAGING,
   success={"200": ok(ref("User"), "A page of users (bare array).", list_=True)}, errors=[400])
op("get", "/crm/users/{id}", op_id="getUser", summary="One user", tag="Users", audience="adminOrSelf",
   params=[pp("id", "The user's id.")],
   success={"200": ok(ref("User"), "The user.")}, errors=[400, 404])
op("patch", "/crm/users/{id}", op_id="updateUser", summary="Rename, change role, (de)activate or reset the password of a user",
   tag="Users", audience="admin",
   description="The last active ADMIN cannot be demoted or deactivated (409 `last-admin`).",
   params=[pp("id", "The user's id.")], body="UpdateUserRequest",
   body_examples=examples(deactivate=("Deactivate", {"active": False}),
                          reset=("Reset the password", {"password": "a-new-secret-1"})),
   success={"200": ok(ref("User"), "The updated user.")}, errors=[404, 409])

# --- customers
op("post", "/crm/customers", op_id="createCustomer", versioned=True, summary="Create a customer (and its record)", tag="Customers",
   audience="everyone",
   description="Creates the customer and its record (status `new`) together. A SALESPERSON's new customer is "
               "assigned to them unless the body names another salesperson. A customer with the same email or "
               "phone as others is still created; the 201 names them in `possibleDuplicates`.",
   body="CreateCustomerRequest",
   body_examples=examples(customer=("A customer", {"firstName": "John", "lastName": "Doe", "email": "john@example.com",
                                                   "phone": "+41 79 123 45 67"})),
   success={"201": ok(ref("CreatedCustomer"), "The created customer, with possible duplicates.")})
op("get", "/crm/customers", op_id="listCustomers", summary="List and search customers", tag="Customers",
   audience="everyone", description="Newest first; keyset-paged.",
   params=[qp("search", s("string", maxLength=200), "Case-insensitive substring of first name, last name, email or phone; a phone number matches with or "
                                                  "without separators and typed nationally (`079 230 44 29` finds `+41 79 230 44 29`); at most 200 characters."),
           q_enum("status", CUSTOMER_STATUS, "Only customers whose record has this status."),
           q_uuid("assignedSalesId", "Only customers of this salesperson."),
           q_uuid("tagId", "Only customers carrying this tag.")] + PAGING,
   success={"200": ok(ref("Customer"), "A page of customers (bare array).", list_=True)}, errors=[400])
op("get", "/crm/customers/repeat", op_id="listRepeatCustomers", summary="Repeat customers", tag="Customers",
   audience="everyone",
   description="Customers with at least two completed visits, by repeat count then lifetime value (highest first).",
   params=[q_uuid("assignedSalesId", "Only customers of this salesperson.")] + PAGING,
   success={"200": ok(ref("RepeatCustomer"), "A page of repeat customers (bare array).", list_=True,
                      status_examples=examples(seed=("Seed example", ex_repeat)))}, errors=[400])
op("get", "/crm/customers/follow-up", op_id="listFollowUpCustomers", summary="Customers due for follow-up",
   tag="Customers", audience="everyone",
   description="Customers whose last contact is more than `daysThreshold` × 24 h ago, never-contacted first, then "
               "the oldest contact. A SALESPERSON gets their own customers unless they pass `assignedSalesId`.",
   params=[qp("daysThreshold", s("integer", minimum=1, maximum=3650, default=30), "Days since the last contact, 1 to 3650 (default 30)."),
           q_uuid("assignedSalesId", "Only customers of this salesperson.")] + PAGING,
   success={"200": ok(ref("FollowUpCustomer"), "A page of customers to contact (bare array).", list_=True)},
   errors=[400])
op("get", "/crm/customers/{id}", op_id="getCustomer", versioned=True, summary="One customer", tag="Customers", audience="everyone",
   params=[ID_CUSTOMER], success={"200": ok(ref("Customer"), "The customer.")}, errors=[400, 404])
op("patch", "/crm/customers/{id}", op_id="updateCustomer", versioned=True, summary="Update a customer", tag="Customers",
   audience="everyone",
   description="Partial update. Only SECRETARIAT and ADMIN reassign a customer; a SALESPERSON may only claim an "
               "unassigned one (403 otherwise).",
   params=[ID_CUSTOMER], body="UpdateCustomerRequest",
   body_examples=examples(phone=("New phone", {"phone": "+41791234567"})),
   success={"200": ok(ref("Customer"), "The updated customer.")}, errors=[403, 404])
op("get", "/crm/customers/{id}/record", op_id="getCustomerRecord", versioned=True, summary="Complete customer record",
   tag="Records", audience="everyone",
   description="The record with its derived statistics, the customer, the 100 most recent appointments and "
               "communications, up to 100 actions the caller may see, the customer's tags and a summary.",
   params=[ID_CUSTOMER],
   success={"200": ok(ref("CustomerRecordView"), "The customer record.",
                      status_examples=examples(seed=("Seed example", ex_record_view)))}, errors=[400, 404])
op("put", "/crm/customers/{id}/record", op_id="updateCustomerRecord", versioned=True, summary="Update a customer record",
   tag="Records", audience="everyone",
   description="Partial update of `customerStatus`, `notes` and `preferences` (merged shallowly). Sending a derived "
               "field is a 400 naming each such field, and nothing is written. Answers with the `record` block.",
   params=[ID_CUSTOMER], body="UpdateRecordRequest",
   body_examples=examples(seed=("Seed example", {
       "customerStatus": "vip",
       "notes": "High-value client, prefers premium services",
       "preferences": {"preferredTime": "morning", "preferredServices": ["botox", "fillers"]}})),
   success={"200": ok(ref("CustomerRecord"), "The updated record block.")}, errors=[404])

# --- communications
op("post", "/crm/communications", op_id="logCommunication", summary="Log a communication", tag="Communications",
   audience="everyone",
   description="Updates the record's `lastContactDate` (completed, not a note), moves a `new` record to "
               "`contacted`, and for a missed call creates a high-priority \"Return missed call\" action and an alert.",
   body="CreateCommunicationRequest",
   body_examples=examples(phoneCall=("Recording a phone call (seed)", ex_comm_request),
                          scheduled=("Scheduled call (seed body)", ex_comm_request_full)),
   success={"201": ok(ref("Communication"), "The logged communication.",
                      status_examples=examples(phoneCall=("Logged phone call", ex_communication)))})
op("patch", "/crm/communications/{id}", op_id="updateCommunication", versioned=True,
   summary="Correct a communication, or record what became of a scheduled one", tag="Communications", audience="everyone",
   description="By the person who logged it, the customer's salesperson (other salespeople get 403), the front desk "
               "or a manager. A `scheduled` communication may take place (completed, missed, no_answer, voicemail: "
               "`occurredAt` becomes now, and the record's contact date and status follow as for a newly logged one), "
               "be cancelled (its reminder stops) or move (`scheduledAt`; the reminder moves). `subject` and `notes` "
               "can always be corrected; nothing else changes. Audited.",
   params=[pp("id", "The communication's id.")], body="UpdateCommunicationRequest",
   body_examples=examples(done=("The callback took place", {"status": "completed", "notes": "Booked a consultation"}),
                          move=("Call tomorrow instead", {"scheduledAt": "2024-01-21T09:00:00Z"})),
   success={"200": ok(ref("Communication"), "The updated communication.")}, errors=[404, 409])
op("get", "/crm/customers/{id}/communications", op_id="listCustomerCommunications",
   summary="A customer's communication history", tag="Communications", audience="everyone",
   description="Newest first; keyset-paged.",
   params=[ID_CUSTOMER,
           q_enum("type", COMM_TYPE, "Only this channel."),
           qp("startDate", INSTANT_Q, "Occurred at or after: a date `YYYY-MM-DD` (start of that UTC day) or an RFC 3339 timestamp."),
           qp("endDate", INSTANT_Q, "Occurred up to, inclusive: a date `YYYY-MM-DD` (the whole UTC day) or an RFC 3339 "
                                    "timestamp. Before `startDate`: 400.")] + PAGING,
   success={"200": ok(ref("Communication"), "A page of communications (bare array).", list_=True)},
   errors=[400, 404])

# --- actions
op("post", "/crm/actions", op_id="createAction", versioned=True, summary="Create an action/task", tag="Actions", audience="everyone",
   description="`assignedTo` defaults to the creator if a SALESPERSON, else the customer's salesperson.",
   body="CreateActionRequest",
   body_examples=examples(followUp=("Creating a follow-up task (seed)", ex_action_request),
                          seedBody=("Seed body", ex_action_request_full)),
   success={"201": ok(ref("Action"), "The created action.",
                      status_examples=examples(followUp=("Created follow-up task", ex_action)))})
op("get", "/crm/actions", op_id="listActions", summary="List actions/tasks", tag="Actions", audience="everyone",
   description="By due date (none last), then priority (urgent first); keyset-paged. A SALESPERSON sees only "
               "actions assigned to or created by them.",
   params=[q_enum("status", ACTION_STATUS, "Only this status."),
           q_enum("priority", ACTION_PRIORITY, "Only this priority."),
           q_uuid("customerId", "Only this customer's actions."),
           q_uuid("assignedTo", "Only actions assigned to this user."),
           qp("dueBefore", DT, "Due strictly before this RFC 3339 timestamp."),
           qp("dueAfter", DT, "Due at or after this RFC 3339 timestamp.")] + PAGING,
   success={"200": ok(ref("Action"), "A page of actions (bare array).", list_=True)}, errors=[400])
op("get", "/crm/actions/pending", op_id="listPendingActions", summary="The caller's pending actions", tag="Actions",
   audience="everyone", description="Pending actions assigned to the caller, in due order, with time tracking.",
   params=PAGING,
   success={"200": ok(ref("Action"), "A page of pending actions (bare array).", list_=True)}, errors=[400])
op("get", "/crm/actions/{id}", op_id="getAction", versioned=True, summary="One action", tag="Actions", audience="everyone",
   description="Another salesperson's action answers 404.",
   params=[pp("id", "The action's id.")], success={"200": ok(ref("Action"), "The action.")}, errors=[400, 404])
op("put", "/crm/actions/{id}", op_id="updateAction", versioned=True, summary="Update an action/task", tag="Actions",
   audience="everyone",
   description="Partial update; `metadata` merges shallowly. Another salesperson's action answers 404.",
   params=[pp("id", "The action's id.")], body="UpdateActionRequest",
   body_examples=examples(seed=("Seed example", {
       "status": "completed",
       "metadata": {"callOutcome": "appointment_scheduled", "notes": "Customer booked for Feb 1st"}})),
   success={"200": ok(ref("Action"), "The updated action.")}, errors=[404])

# --- leads
op("post", "/crm/leads", op_id="createLead", versioned=True, summary="Create a lead", tag="Leads", audience="everyone",
   description="A SALESPERSON's lead is theirs; otherwise the named salesperson, or the active salesperson with "
               "the fewest open leads, gets it (and is notified).",
   body="CreateLeadRequest",
   body_examples=examples(seed=("Seed example", ex_lead_request)),
   success={"201": ok(ref("Lead"), "The created lead.", status_examples=examples(seed=("Created lead", ex_lead)))})
op("get", "/crm/leads", op_id="listLeads", summary="List and search leads", tag="Leads", audience="everyone",
   description="Newest first; keyset-paged.",
   params=[q_enum("status", LEAD_STATUS, "Only this status."),
           q_uuid("assignedSalesId", "Only leads of this salesperson."),
           q_enum("source", LEAD_SOURCE, "Only this source."),
           qp("search", s("string", maxLength=200), "Case-insensitive substring of name, email or phone (phone separators ignored); at most 200 characters.")] + PAGING,
   success={"200": ok(ref("Lead"), "A page of leads (bare array).", list_=True)}, errors=[400])
op("get", "/crm/leads/{id}", op_id="getLead", versioned=True, summary="One lead", tag="Leads", audience="everyone",
   params=[pp("id", "The lead's id.")], success={"200": ok(ref("Lead"), "The lead.")}, errors=[400, 404])
op("patch", "/crm/leads/{id}", op_id="updateLead", versioned=True, summary="Update, assign, convert or lose a lead", tag="Leads",
   audience="everyone",
   description="Partial update. A SALESPERSON may change only leads assigned to them or unassigned and may only "
               "claim (403 otherwise). Setting `converted` links or creates the customer; a converted lead cannot "
               "change status (409 `lead-converted`).",
   params=[pp("id", "The lead's id.")], body="UpdateLeadRequest",
   body_examples=examples(seed=("Seed example", {"status": "contacted", "notes": "Customer scheduled consultation",
                                                 "estimatedValue": 750.0})),
   success={"200": ok(ref("Lead"), "The updated lead.")}, errors=[403, 404, 409])

# --- analytics
op("get", "/crm/analytics/salesperson", op_id="getSalespersonAnalytics", summary="Salesperson performance",
   tag="Analytics", audience="sellers",
   description="Without dates: the 30 days ending today (UTC); `endDate` is inclusive; at most 3660 days. A "
               "SALESPERSON always gets their own numbers (naming another is 403). An ADMIN names anyone with "
               "`salespersonId` (an unknown id or a non-salesperson is 404) or gets the whole sales team's numbers.",
   params=[qp("startDate", DATE, "First day (YYYY-MM-DD); not after `endDate`."),
           qp("endDate", DATE, "Last day, inclusive (YYYY-MM-DD)."),
           q_uuid("salespersonId", "The salesperson to describe.")],
   success={"200": ok(ref("SalespersonAnalytics"), "The numbers for the period.",
                      status_examples=examples(seed=("Seed example, with the extra keys", ex_analytics)))},
   errors=[400, 404])

# --- notifications
op("get", "/crm/notifications", op_id="listNotifications", summary="The caller's notifications",
   tag="Notifications", audience="everyone", description="Newest first; keyset-paged.",
   params=[qp("unread", BOOL_Q, "Only unread ones when true.")] + PAGING,
   success={"200": ok(ref("Notification"), "A page of notifications (bare array).", list_=True)}, errors=[400])
op("get", "/crm/notifications/stream", op_id="streamNotifications", summary="Live notifications (Server-Sent Events)",
   tag="Notifications", audience="everyone",
   description="An endless `text/event-stream`: `retry: 2000`, then one `notification` event per new inbox entry "
               "(`data:` is a Notification as JSON, `id:` a cursor to send back as `Last-Event-ID`), and a "
               "`: ping` comment every ~10 s. Each second the session is re-checked: when the token expires or is logged "
               "out, the user is deactivated or changes password, or a sixth stream of the user opens (at most 5; the "
               "oldest goes), an `error` event names the reason and the stream ends.",
   params=[{"name": "Last-Event-ID", "in": "header", "required": False,
            "description": "The `id:` of the last event received, to get what was missed; an unreadable value is ignored.",
            "schema": STR},
           qp("ticket", s("string", minLength=20, maxLength=100),
              "Instead of `Authorization` (a browser's `EventSource` cannot send it): a ticket from "
              "`POST /crm/notifications/stream-ticket`. Single use, valid 60 s; a used, expired or unknown ticket, or "
              "one of another user than the bearer token, is 401.")],
   success={"200": {"description": "The event stream.", "headers": {"X-Request-ID": H_RID},
                    "content": {"text/event-stream": {"schema": ref("NotificationEvent")}}}})
op("post", "/crm/notifications/stream-ticket", op_id="createStreamTicket", summary="A ticket to open the stream",
   tag="Notifications", audience="everyone",
   description="A single-use ticket for `GET /crm/notifications/stream?ticket=` (for browsers, whose `EventSource` "
               "sends no `Authorization`). It stands for the caller's session: the stream ends when the token would.",
   success={"201": ok(ref("StreamTicket"), "The ticket (shown once).")})
op("post", "/crm/notifications/read-all", op_id="markAllNotificationsRead", summary="Mark all notifications read",
   tag="Notifications", audience="everyone",
   success={"200": ok(ref("ReadAllResponse"), "How many were marked read.")})
op("post", "/crm/notifications/{id}/read", op_id="markNotificationRead", summary="Mark one notification read",
   tag="Notifications", audience="everyone", description="Another user's notification answers 404.",
   params=[pp("id", "The notification's id.")],
   success={"200": ok(ref("Notification"), "The notification, now read.")}, errors=[400, 404])

# --- catalogue
op("get", "/crm/clinics", op_id="listClinics", summary="List clinics", tag="Catalog", audience="everyone",
   description="By name; keyset-paged.", params=PAGING,
   success={"200": ok(ref("Clinic"), "A page of clinics (bare array).", list_=True)}, errors=[400])
op("post", "/crm/clinics", op_id="createClinic", summary="Create a clinic", tag="Catalog", audience="frontDesk",
   description="Names are unique ignoring case (409 `duplicate-name`).", body="CreateClinicRequest",
   body_examples=examples(clinic=("A clinic", {"name": "Beauty Clinic", "address": "Bahnhofstrasse 1, Zürich",
                                               "phone": "+41441234567"})),
   success={"201": ok(ref("Clinic"), "The created clinic.")}, errors=[409])
op("patch", "/crm/clinics/{id}", op_id="updateClinic", versioned=True, summary="Change a clinic", tag="Catalog",
   audience="frontDesk", description="Partial update; names stay unique ignoring case (409 `duplicate-name`). Audited.",
   params=[pp("id", "The clinic's id.")], body="UpdateClinicRequest",
   body_examples=examples(move=("A new address", {"address": "Seestrasse 1, Zürich"})),
   success={"200": ok(ref("Clinic"), "The updated clinic.")}, errors=[404, 409])
op("get", "/crm/services", op_id="listServices", summary="List services (treatments)", tag="Catalog",
   audience="everyone", description="By name; keyset-paged.", params=PAGING,
   success={"200": ok(ref("Service"), "A page of services (bare array).", list_=True)}, errors=[400])
op("post", "/crm/services", op_id="createService", summary="Create a service (treatment)", tag="Catalog",
   audience="frontDesk", description="Names are unique ignoring case (409 `duplicate-name`).",
   body="CreateServiceRequest",
   body_examples=examples(botox=("Botox", {"name": "Botox Treatment", "price": 150.0, "typicalIntervalDays": 90,
                                           "durationMinutes": 30})),
   success={"201": ok(ref("Service"), "The created service.")}, errors=[409])
op("patch", "/crm/services/{id}", op_id="updateService", versioned=True, summary="Change a service (treatment)",
   tag="Catalog", audience="frontDesk",
   description="Partial update; names stay unique ignoring case (409 `duplicate-name`). A new price applies to "
               "appointments booked afterwards; booked ones keep their amount. Audited.",
   params=[pp("id", "The service's id.")], body="UpdateServiceRequest",
   body_examples=examples(price=("A new price", {"price": 180.0})),
   success={"200": ok(ref("Service"), "The updated service.")}, errors=[404, 409])

# --- appointments
op("get", "/crm/appointments", op_id="listAppointments", summary="List appointments", tag="Appointments",
   audience="everyone", description="By start time, earliest first; keyset-paged.",
   params=[q_uuid("customerId", "Only this customer's appointments."),
           q_enum("status", APPOINTMENT_STATUS, "Only this status."),
           qp("from", INSTANT_Q, "Starting at or after: a date `YYYY-MM-DD` (start of that UTC day) or an RFC 3339 timestamp."),
           qp("to", INSTANT_Q, "Starting up to, inclusive: a date `YYYY-MM-DD` (the whole UTC day) or an RFC 3339 "
                               "timestamp. Not after `from`: 400.")] + PAGING,
   success={"200": ok(ref("Appointment"), "A page of appointments (bare array).", list_=True)}, errors=[400])
op("post", "/crm/appointments", op_id="createAppointment", versioned=True, summary="Book an appointment", tag="Appointments",
   audience="frontDesk",
   description="Booking as `scheduled` creates a \"Confirm appointment\" action due 24 h before the start, or, when "
               "that has passed, at the earlier of one hour from now and the start. Back-filled `completed`, "
               "`cancelled` or `no_show` appointments create no actions; `completed` or `no_show` before the start "
               "is 409 `appointment-not-started`. A scheduled or confirmed booking that overlaps another of the "
               "same customer (until `endTime`, else the service's duration, else 30 minutes) is 409 "
               "`appointment-overlap` naming the other appointment's id.",
   body="CreateAppointmentRequest",
   body_examples=examples(booking=("A booking", {"customerId": EX_CUSTOMER_ID, "serviceId": EX_SERVICE_ID,
                                                 "clinicId": EX_CLINIC_ID, "startTime": "2024-02-01T14:00:00Z",
                                                 "endTime": "2024-02-01T14:30:00Z"})),
   success={"201": ok(ref("Appointment"), "The booked appointment.")}, errors=[409])
op("get", "/crm/appointments/{id}", op_id="getAppointment", versioned=True, summary="One appointment", tag="Appointments",
   audience="everyone", params=[pp("id", "The appointment's id.")],
   success={"200": ok(ref("Appointment"), "The appointment.")}, errors=[400, 404])
op("patch", "/crm/appointments/{id}", op_id="updateAppointment", versioned=True, summary="Update, move or change the status of an appointment",
   tag="Appointments", audience="frontDesk",
   description="Partial update. Status changes follow the lifecycle (409 `invalid-transition`); completed and "
               "cancelled appointments cannot change status or be moved (409 `appointment-closed`); completing or "
               "marking a no-show before the start is 409 `appointment-not-started`; a move onto another of the "
               "customer's appointments is 409 `appointment-overlap`.",
   params=[pp("id", "The appointment's id.")], body="UpdateAppointmentRequest",
   body_examples=examples(complete=("Complete", {"status": "completed", "treatmentDetails": {"units": 20}})),
   success={"200": ok(ref("Appointment"), "The updated appointment.")}, errors=[404, 409])

# --- tags
op("get", "/crm/tags", op_id="listTags", summary="The tag catalogue", tag="Tags", audience="everyone",
   description="By name; keyset-paged.", params=PAGING,
   success={"200": ok(ref("Tag"), "A page of tags (bare array).", list_=True)}, errors=[400])
op("post", "/crm/tags", op_id="createTag", versioned=True, summary="Create a tag", tag="Tags", audience="admin",
   description="Names are unique ignoring case (409 `duplicate-name`).", body="CreateTagRequest",
   body_examples=examples(vip=("VIP", {"name": "VIP", "color": "#FFD700", "description": "High-value client"})),
   success={"201": ok(ref("Tag"), "The created tag.")}, errors=[409])
op("patch", "/crm/tags/{tagId}", op_id="updateTag", versioned=True, summary="Rename or recolour a tag", tag="Tags", audience="admin",
   params=[pp("tagId", "The tag's id.")], body="UpdateTagRequest",
   body_examples=examples(recolour=("Recolour", {"color": "#C0C0C0"})),
   success={"200": ok(ref("Tag"), "The updated tag.")}, errors=[404, 409])
op("delete", "/crm/tags/{tagId}", op_id="deleteTag", summary="Delete a tag and its attachments", tag="Tags",
   audience="admin", params=[pp("tagId", "The tag's id.")],
   success={"204": no_content("Deleted.")}, errors=[400, 404])
op("get", "/crm/tags/{tagId}/customers", op_id="listTagCustomers", summary="Customers with a tag", tag="Tags",
   audience="everyone", description="Most recently tagged first; keyset-paged.",
   params=[pp("tagId", "The tag's id.")] + PAGING,
   success={"200": ok(ref("Customer"), "A page of customers (bare array).", list_=True)}, errors=[400, 404])
op("post", "/crm/customers/{id}/tags", op_id="tagCustomer", summary="Tag a customer", tag="Tags",
   audience="everyone", description="Attaching the same tag twice is a 409 (`duplicate-tag`).",
   params=[ID_CUSTOMER], body="AttachTagRequest",
   body_examples=examples(seed=("Tagging a VIP customer (seed)", {"tagId": EX_TAG_ID,
                                                                  "notes": "Spent over $5000 in last 6 months"})),
   success={"201": ok(ref("CustomerTag"), "The attachment.",
                      status_examples=examples(seed=("Tagged customer", ex_customer_tag)))}, errors=[404, 409])
op("delete", "/crm/customer-tags/{id}", op_id="untagCustomer", summary="Remove a tag from a customer", tag="Tags",
   audience="everyone", params=[pp("id", "The attachment's id (`id` of the CustomerTag).")],
   success={"204": no_content("Removed.")}, errors=[400, 404])

# --- audit
AUDIT_ENTITY_TYPES = ["user", "customer", "customer_record", "clinic", "service", "appointment", "communication",
                      "action", "lead", "tag", "customer_tag"]
schemas["AuditEntry"] = resp_obj({
    "id": UUID,
    "userId": d(nullable(UUID), "Who made the change; null for the system's own work."),
    "requestId": d(nullable(STR), "The request that made it (`X-Request-ID`)."),
    "entityType": enum(AUDIT_ENTITY_TYPES),
    "entityId": UUID,
    "action": enum(["create", "update", "delete"]),
    "changes": d(s("object", additionalProperties=s("object", properties={"old": {}, "new": {}}, required=["old", "new"])),
                 "The changed fields: `{field: {old, new}}` (never password hashes or tokens)."),
    "customerId": d(nullable(UUID), "The customer the entity belongs to (for the customer's timeline)."),
    "createdAt": DT,
}, description="One change to the CRM's data.")
op("get", "/crm/audit", op_id="listAuditEntries", summary="The audit trail", tag="Audit", audience="admin",
   description="Every create, update and delete under /crm, newest first; keyset-paged. `from` is inclusive, `to` "
               "inclusive (a date means the whole day).",
   params=[q_enum("entityType", AUDIT_ENTITY_TYPES, "Only this kind of entity."),
           q_uuid("entityId", "Only this entity."), q_uuid("userId", "Only changes by this user."),
           qp("from", INSTANT_Q, "Changes at or after (date or timestamp)."),
           qp("to", INSTANT_Q, "Changes up to and including (date or timestamp).")] + PAGING,
   success={"200": ok(ref("AuditEntry"), "A page of audit entries (bare array).", list_=True)}, errors=[400])
op("get", "/crm/customers/{id}/audit", op_id="listCustomerAuditEntries", summary="A customer's change timeline",
   tag="Audit", audience="everyone",
   description="Changes to the customer, its record, appointments, communications, actions and tags, newest first.",
   params=[pp("id", "The customer's id.")] + PAGING,
   success={"200": ok(ref("AuditEntry"), "A page of audit entries (bare array).", list_=True)}, errors=[400, 404])

# --- customer timeline
TIMELINE_KINDS = ["appointment", "communication", "action", "change"]


def nullable_ref(name, text):
    """The named schema, or null — inlined with `type: [object, "null"]` (code generators do not follow
    `anyOf: [$ref, {type: "null"}]`)."""
    return nullable(d(copy.deepcopy(schemas[name]), text))


schemas["TimelineItem"] = resp_obj({
    "kind": d(enum(TIMELINE_KINDS), "Which of the four objects this item carries; the other three are null."),
    "at": d(DT, "The appointment's start, the communication's occurrence, the action's creation or the change's time."),
    "appointment": nullable_ref("Appointment", "Set when `kind` is `appointment`."),
    "communication": nullable_ref("Communication", "Set when `kind` is `communication`."),
    "action": nullable_ref("Action", "Set when `kind` is `action`."),
    "change": nullable_ref("AuditEntry", "Set when `kind` is `change`: a change to the customer, its record or tags, "
                                         "or an update or deletion of one of its appointments, communications or actions."),
}, description="One item of a customer's timeline.")
op("get", "/crm/customers/{id}/timeline", op_id="getCustomerTimeline", summary="A customer's timeline",
   tag="Records", audience="everyone",
   description="The customer's appointments, communications, the actions the caller may see and the other changes to "
               "the customer's data in one list, newest first by `at` (future appointments first); keyset-paged.",
   params=[ID_CUSTOMER] + PAGING,
   success={"200": ok(ref("TimelineItem"), "A page of timeline items (bare array).", list_=True)}, errors=[400, 404])

# ---------------------------------------------------------------- document
DESCRIPTION = """\
CRM for medical-aesthetics clinics: customers and their records, appointments, communications,
actions/tasks, tags, repeat and follow-up lists, leads, salesperson analytics and notifications.

Conventions:
- JSON with camelCase keys; ids are UUIDs. Timestamps are RFC 3339; the server writes them in UTC
  with `Z` (milliseconds only when not zero) and accepts any offset and fractional seconds.
  Calendar dates are `YYYY-MM-DD`.
- Money is a number with at most two decimals (kept as integer cents); negative amounts or more
  decimals are a 400.
- Response objects always carry every key; an empty optional value is `null`.
- Lists return a bare JSON array, keyset-paged with `limit` (1-200, default 50) and an opaque
  `cursor`; a `Link: <...>; rel="next"` header is present when another page exists.
- Errors are RFC 9457 `application/problem+json` documents naming each bad field in `errors`.
- Every response carries `X-Request-ID` (the client's, when sane, else a new one).
- Bodies are limited to 512 KiB (413).
- Mutable resources (customer, record, action, lead, appointment, tag) carry an `ETag` with their
  version; `PUT`/`PATCH` with `If-Match` apply only to that version (else 412).
- Every `POST` under /crm accepts an `Idempotency-Key` header: a retry gets the first answer.
- Roles: SALESPERSON, SECRETARIAT, ADMIN. Each operation lists its roles in its description and in
  `x-roles`.
"""

doc = {
    "openapi": "3.1.0",
    "info": {
        "title": "Native CRM API",
        "version": "1.0.0",
        "description": DESCRIPTION,
    },
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "security": [{"bearerAuth": []}],
    "tags": [
        {"name": "Operations", "description": "Liveness and readiness."},
        {"name": "Documentation", "description": "This document and its HTML rendering."},
        {"name": "Auth", "description": "Sign-in and the current user."},
        {"name": "Users", "description": "The people who use the CRM (ADMIN only)."},
        {"name": "Customers", "description": "Customers, repeat customers and the follow-up list."},
        {"name": "Records", "description": "The customer record and its derived statistics."},
        {"name": "Communications", "description": "The communication log."},
        {"name": "Actions", "description": "Actions and tasks."},
        {"name": "Leads", "description": "Leads, assignment and conversion."},
        {"name": "Analytics", "description": "Salesperson performance."},
        {"name": "Notifications", "description": "The inbox and its live stream."},
        {"name": "Catalog", "description": "Clinics and services."},
        {"name": "Appointments", "description": "Appointments and their lifecycle."},
        {"name": "Tags", "description": "The tag catalogue and customer characterisation."},
        {"name": "Audit", "description": "Who changed what, when."},
    ],
    "paths": paths,
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "The `token` from `POST /auth/login`."},
        },
        "headers": headers,
        "responses": responses,
        "schemas": schemas,
    },
}


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def str_presenter(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


Dumper.add_representer(str, str_presenter)

text = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
with open(OUT, "w", encoding="utf-8") as f:
    f.write(text)
print("wrote", OUT, len(text), "chars,", sum(len(v) for v in paths.values()), "operations")
