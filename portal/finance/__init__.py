"""The finance link: a partner's bank details for payments, seen by
administrators only, shown masked, every reveal and change audited, a change
taking effect only when a second administrator confirms it. Tariffs and
invoices stay in the payment system; the partner export carries what it needs."""

from flask import Blueprint

bp = Blueprint("finance", __name__)
