"""Sibling product guides for the tests: two kettles that share most text but not their specs."""

KETTLE_GUIDE = """# Acme {model} Electric Kettle Care Guide

## Specifications

| Item | Value |
|---|---|
| Model | Acme {model} |
| Capacity | {capacity} |
| Power | {power} |

## Descaling

Limescale makes the kettle slow and noisy. Descale the kettle every {weeks} weeks: fill it half with
water, add two tablespoons of citric acid, boil it, leave it for 30 minutes, then rinse it three times.
The display shows dE when descaling is due.

## Cleaning the outside

Wipe the outside with a soft damp cloth and a drop of dish soap, then dry it. Never put the kettle
or its base in water or in the dishwasher.

## Error codes

| Code | Meaning | What to do |
|---|---|---|
| E1 | Boiled dry | Let the kettle cool for 10 minutes, then refill it |
| dE | Descale reminder, not a fault | Descale the kettle; the display clears after the next boil |
| E4 | {e4} | {e4_fix} |
"""
