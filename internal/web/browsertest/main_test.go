package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// shared is the one browser process every test of the package uses (a
// browser start costs about a second and a lot of memory; a new browser
// context per test costs little).
var shared struct {
	once    sync.Once
	ctx     context.Context // the browser's chromedp context
	err     error
	cancels []context.CancelFunc
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(shared.cancels) - 1; i >= 0; i-- {
		shared.cancels[i]()
	}
	os.Exit(code)
}

// errNoChromium says the browser is missing.
var errNoChromium = errors.New("chromium not found: install it (apt-get install -y chromium) or set ZAPFLOW_CHROMIUM to its path")

// chromiumPath finds the browser to drive.
func chromiumPath() (string, error) {
	if p := os.Getenv("ZAPFLOW_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoChromium
}

// browser returns the shared browser, starting it on first use. Without
// chromium the test fails in CI and is skipped elsewhere.
func browser(t *testing.T) context.Context {
	t.Helper()
	shared.once.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			shared.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox, // CI runs as root, where chromium's sandbox cannot start
			chromedp.DisableGPU,
			chromedp.WindowSize(shotWidth, shotHeight),
			chromedp.Flag("lang", "en-US"),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(alloc)
		shared.cancels = append(shared.cancels, cancelAlloc, cancelBrowser)
		// The first run starts the browser; it must not carry a timeout,
		// which would end the browser with it.
		if err := chromedp.Do(ctx); err != nil {
			shared.err = fmt.Errorf("starting %s: %w", path, err)
			return
		}
		shared.ctx = ctx
	})
	switch {
	case shared.err == nil:
	case errors.Is(shared.err, errNoChromium) && os.Getenv("CI") != "true":
		t.Skipf("skipping browser test (outside CI only; CI=true makes this a failure): %v", shared.err)
	case errors.Is(shared.err, errNoChromium):
		t.Fatalf("browser tests need chromium in CI: %v", shared.err)
	default: // a browser that is there but does not start is a real problem
		t.Fatalf("browser tests: %v", shared.err)
	}
	return shared.ctx
}
