"""Congress content per language: organizers' own texts (congress name, track names, category
names, page texts, email templates) given in other languages than the congress's main one.

One generic table (`ContentTranslation`): a row is the text of one field of one object in one
language. The object's own columns hold the main language (`Congress.language`); a reader in
another language gets the translation when there is one, else the main-language text.
"""
