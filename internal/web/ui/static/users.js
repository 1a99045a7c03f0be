// users part of the web app (loaded by app.js).
