"""The rule ids of the region's operating rules, as numbered in the rule catalogue.

Tests name the rule they prove with ``@pytest.mark.rule("R2.2")``; an id not listed here is
refused when the suite is collected, so a typo cannot hide a rule without tests.
"""

RULES: dict[str, str] = {
    "R1.1": "A facility joins by application (form 3) and uses the network once accepted.",
    "R1.2": "A member who loses eligibility is deregistered; the date is kept, access ends.",
    "R1.3": "The secretariat's name, address, telephone and e-mail are shown to every user.",
    "R2.1": "IDs are personal; a password is known only to its owner.",
    "R2.2": "Passwords mix letters and digits, 8+ characters, changed periodically.",
    "R2.3": "Technical and physical safeguards for devices and accounts.",
    "R2.4": "Nobody acts beyond the access rights granted to them.",
    "R2.5": "A lost device is reported to the facility admin, who cuts it off.",
    "R2.6": "Three kinds of space: patient group, group (no patient data), connection.",
    "R2.7": "Members use the system according to the in-app usage guide.",
    "R2.8": "Every facility has at least one facility admin, appointed by its manager.",
    "R2.9": "Staff sign the confidentiality pledge (form 2); periodic education.",
    "R2.10": "The facility admin approves invitations, manages staff, devices, IDs, reports.",
    "R3.1": "The lead facility manages a patient group and its members.",
    "R3.2": "Consent (form 4) is signed before patient information is shared.",
    "R3.3①": "Members of all professions exchange what they need in a patient group.",
    "R3.3②": "Personal information is confirmed with the acknowledge button.",
    "R3.3③": "Images and files of a patient group are not used outside the system.",
    "R3.3④": "Each photo is taken and posted with the patient's consent.",
    "R3.4": "Each patient group has at least one patient group admin.",
    "R3.5": "The patient group admin archives and requests complete deletion.",
    "F1": "Form 1: the facility manager's pledge to the medical association.",
    "F2": "Form 2: a staff member's pledge to the facility manager.",
    "F3": "Form 3: the facility's pledge of agreement with its user list.",
    "F4": "Form 4: the patient's consent to use personal information in home care.",
}
