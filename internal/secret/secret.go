// Package secret encrypts the secrets zapflow stores (access tokens, app
// secrets, verify tokens, AI keys) with AES-256-GCM, so a copy of the
// database alone does not hand over a business's WhatsApp account.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// prefix marks an encrypted value, so plaintext never passes for one.
const prefix = "enc:v1:"

// keyFile is where a generated key is kept inside the data folder.
const keyFile = "secret.key"

// Box encrypts and decrypts with one key.
type Box struct {
	aead cipher.AEAD
}

// New builds a Box from key material of any length (it is hashed to 32
// bytes, so a passphrase works as well as 32 random bytes).
func New(key string) (*Box, error) {
	if key == "" {
		return nil, errors.New("secret: empty key")
	}
	sum := sha256.Sum256([]byte(key))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// LoadOrCreateKey returns key when set; otherwise the key stored in
// dataDir, generating and saving it (mode 0600) on the first start.
func LoadOrCreateKey(key, dataDir string) (string, bool, error) {
	if key != "" {
		return key, false, nil
	}
	path := KeyPath(dataDir)
	if b, err := os.ReadFile(path); err == nil {
		k := strings.TrimSpace(string(b))
		if k == "" {
			return "", false, fmt.Errorf("secret: %s is empty", path)
		}
		return k, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("secret: read key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	k := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("secret: create data folder: %w", err)
	}
	if err := os.WriteFile(path, []byte(k+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("secret: save key: %w", err)
	}
	return k, true, nil
}

// KeyPath is where the generated key of a data folder is kept.
func KeyPath(dataDir string) string { return filepath.Join(dataDir, keyFile) }

// Encrypt seals plaintext; "" stays "" so optional secrets stay empty.
func (b *Box) Encrypt(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// ErrWrongKey means a value cannot be opened with this key: the secret key
// changed since it was stored, or the value was tampered with.
var ErrWrongKey = errors.New("secret: cannot decrypt: ZAPFLOW_SECRET_KEY differs from the key the value was stored with")

// Decrypt opens a value made by Encrypt.
func (b *Box) Decrypt(value string) (string, error) {
	if value == "" {
		return "", nil
	}
	if !strings.HasPrefix(value, prefix) {
		return "", errors.New("secret: value is not encrypted")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(value, prefix))
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrWrongKey
	}
	n := b.aead.NonceSize()
	out, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrWrongKey
	}
	return string(out), nil
}
