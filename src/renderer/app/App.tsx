// SPDX-License-Identifier: GPL-3.0-or-later
export function App() {
  return (
    <main className="wizard">
      <header>
        <h1>LiveStick</h1>
      </header>
      <section aria-labelledby="step-image-title">
        <h2 id="step-image-title">Choose a live image</h2>
        <p>Pick a Fedora live ISO. LiveStick reads it and shows what persistence it supports.</p>
      </section>
    </main>
  );
}
