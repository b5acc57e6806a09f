"""The MongoDB database engine the project runs on: django-mongodb-backend
with the few behaviours it lacks compared with the SQL engines (see ``base``)."""
