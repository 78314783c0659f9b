"""Development server: `make run` (`flask dev`), or `python run.py`. Both print where to go:
http://localhost:5000/ and http://demo.localhost:5000/ (browsers resolve *.localhost here)."""

from sitemaker import create_app

app = create_app()

if __name__ == "__main__":
    from sitemaker.devtools.server import serve

    app.debug = True
    serve(app)
