"""Small, framework-light services shared by the divisions."""
