"""Development server: `make run`, or `python run.py`. Visit http://localhost:5000/ and
http://demo.localhost:5000/ (browsers resolve *.localhost to this machine)."""

from sitemaker import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
