"""Knowledge bases the assistants retrieve from and cite: compound records, breakout cases, documents."""
