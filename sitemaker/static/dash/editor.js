// The page editor: live preview, word count, keyboard save and autosave.
