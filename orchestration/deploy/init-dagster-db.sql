-- Dagster's own storage lives in a database of its own beside the warehouse.
create database dagster owner stockcast;
