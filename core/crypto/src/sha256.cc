// implemented by the crypto module
