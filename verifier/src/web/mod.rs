//! HTTP routes. (Written by the web work.)
