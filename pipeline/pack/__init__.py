"""The annual review pack: what it shows, gathered into plain data (`context`), its charts (`charts`),
the HTML (`html`), the PDF (`pdf`) and `results.json` (`results`)."""
