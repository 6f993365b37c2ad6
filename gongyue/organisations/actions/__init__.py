"""Every state change of units and membership, one module per noun (as zulip's zerver/actions/).

Each action is atomic, checks that the change is allowed (raising ActionRefused with readable
blockers), writes one audit row and notifies: notify() writes the inbox rows and queues the mail
in the action's own transaction, so a refused or rolled-back action tells nobody. Views, API
endpoints, commands and duties call these and nothing else, through this one import path:
`from gongyue.organisations import actions`.

The convention's founders, taking effect and publication are the convention's own:
`gongyue.convention.actions`.
"""

from .applications import (
    do_approve_application,
    do_attach_licence,
    do_create_application,
    do_reject_application,
    do_return_application,
    do_submit_application,
    do_update_application,
)
from .delegates import do_authorise_delegate, do_revoke_delegate
from .legal_reps import do_claim_legal_rep, do_resend_legal_rep_invitation
from .registers import do_import_members, do_publish_register
from .signing import do_attach_sealed_scan, do_sign_convention
from .withdrawal import (
    do_complete_withdrawal,
    do_give_withdrawal_notice,
    do_reinstate_membership,
    do_retract_withdrawal,
    do_revoke_membership,
)

__all__ = [
    "do_approve_application",
    "do_attach_licence",
    "do_attach_sealed_scan",
    "do_authorise_delegate",
    "do_claim_legal_rep",
    "do_complete_withdrawal",
    "do_create_application",
    "do_give_withdrawal_notice",
    "do_import_members",
    "do_publish_register",
    "do_reinstate_membership",
    "do_reject_application",
    "do_resend_legal_rep_invitation",
    "do_retract_withdrawal",
    "do_return_application",
    "do_revoke_delegate",
    "do_revoke_membership",
    "do_sign_convention",
    "do_submit_application",
    "do_update_application",
]
