"""Accounts: logging in and out, setting a password, the people who use the portal."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
