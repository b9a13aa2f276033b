"""The secretariat's console: applications, facilities, the policy and the audit trail."""
