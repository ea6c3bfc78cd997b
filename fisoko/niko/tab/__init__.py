"""The «НИКО» tab itself: what to do now (agenda), the news feed, and the tab's view."""
