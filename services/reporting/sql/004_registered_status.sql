-- The employment status a worker was registered with: the indicators count
-- an incumbent as employed from registration until a separation, whatever
-- the status says after later updates.
ALTER TABLE workers ADD COLUMN registered_status TEXT NOT NULL DEFAULT 'unknown';
