from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class UploadForm(FlaskForm):
    file = FileField("Document", validators=[FileRequired("Choose a file to upload.")])
