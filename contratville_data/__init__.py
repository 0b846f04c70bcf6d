"""The Contrat de Ville 2024–2030 of Saint-Étienne Métropole as a validated data package.

Importing this module is light: pandas, pyarrow and frictionless load only when a function needs them.
"""
