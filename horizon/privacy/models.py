"""The table of pending "forget me" codes: proof that the person typing owns an address.

Holds no address and no code: only keyed hashes of both (``HORIZON_ID_PEPPER``), an expiry and a try counter.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String

from horizon.db import Base


class ForgetVerification(Base):
    """One request to delete the sign-up of an address typed in a conversation, waiting for its code.

    ``signup_id`` is NULL when no sign-up has that address: the conversation goes exactly the same way (a code
    is "sent", every code is wrong), so that the chat never reveals whether an address is known.
    """

    __tablename__ = "forget_verifications"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_hash = Column(String(64), nullable=False, index=True)
    address_hash = Column(String(64), nullable=False, index=True)
    signup_id = Column(Integer, ForeignKey("volunteer_signups.id", ondelete="CASCADE"), index=True)
    # The outbox row that sends the code (NULL when no sign-up has the address: nothing is sent).
    notification_id = Column(Integer, ForeignKey("signup_notifications.id", ondelete="SET NULL"), index=True)
    code_hash = Column(String(64))  # set when the code is sent (the delivery makes it), NULL before
    tries = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
