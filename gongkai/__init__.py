"""gongkai (公开): party-affairs disclosure for a tree of party organizations."""
