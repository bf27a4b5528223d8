using System;

namespace DenseGen.Samples.AmpModel;

/// <summary>The audio the sample trains and tests on, and the effect the model learns to imitate.</summary>
static class Audio
{
    public const int SampleRate = 48_000;

    // The effect: a fuzz pedal with a tone knob. tanh(Drive · x) clips the signal softly (and adds odd harmonics);
    // a one-pole low-pass at ToneHz then darkens it. The filter is what gives the effect memory: each output sample
    // depends on every earlier input, so a model needs state, and a plain dense network of one sample could not learn it.
    const float Drive = 4;
    const double ToneHz = 2_000;

    /// <summary>The effect's output for <paramref name="input"/>, starting from silence.</summary>
    public static float[] ApplyEffect(float[] input)
    {
        // y[n] = y[n−1] + α (tanh(Drive · x[n]) − y[n−1]): the exact one-pole response with its −3 dB point at ToneHz.
        float alpha = (float)(1 - Math.Exp(-2 * Math.PI * ToneHz / SampleRate));
        var output = new float[input.Length];
        float y = 0;
        for (int n = 0; n < input.Length; n++)
        {
            y += alpha * (MathF.Tanh(Drive * input[n]) - y);
            output[n] = y;
        }
        return output;
    }

    /// <summary>
    /// <paramref name="seconds"/> of test audio at <see cref="SampleRate"/>: overlapping events (plucked notes with
    /// harmonics, sweeps, noise bursts) at loudnesses from −30 dB to 0 dB, so the model sees the clean, the crunchy and
    /// the fully clipped ranges of the effect. The same seed gives the same audio.
    /// </summary>
    public static float[] Generate(double seconds, ulong seed)
    {
        var random = new SeededRandom(seed);
        var audio = new float[(int)(seconds * SampleRate)];
        int start = 0;
        while (start < audio.Length)
        {
            int length = (int)(SampleRate * (0.05 + 0.45 * random.NextDouble()));   // 50–500 ms
            double peak = Math.Pow(10, -1.5 * random.NextDouble());                  // −30 to 0 dB
            Span<float> slice = audio.AsSpan(start, Math.Min(length, audio.Length - start));
            switch (random.NextInt32(3))
            {
                case 0: AddNote(slice, peak, random); break;
                case 1: AddSweep(slice, peak, random); break;
                default: AddNoiseBurst(slice, peak, random); break;
            }
            // The next event starts before this one ends, up to half of it earlier: events overlap and mix.
            start += (int)(length * (0.5 + 0.5 * random.NextDouble()));
        }
        return audio;
    }

    // A plucked string: a fundamental in a guitar's range with two harmonics, a 5 ms attack and an exponential decay.
    static void AddNote(Span<float> audio, double peak, SeededRandom random)
    {
        double frequency = 82 * Math.Pow(2, 3 * random.NextDouble());   // 82–660 Hz, E2 to E5
        double decaySeconds = 0.1 + 0.4 * random.NextDouble();
        for (int n = 0; n < audio.Length; n++)
        {
            double t = (double)n / SampleRate;
            double phase = 2 * Math.PI * frequency * t;
            double tone = (Math.Sin(phase) + 0.5 * Math.Sin(2 * phase) + 0.25 * Math.Sin(3 * phase)) / 1.75;
            double envelope = Math.Min(1, t / 0.005) * Math.Exp(-t / decaySeconds);
            audio[n] += (float)(peak * envelope * tone);
        }
    }

    // A sine gliding exponentially between 50 Hz and 10 kHz, up or down, faded in and out over 5 ms.
    static void AddSweep(Span<float> audio, double peak, SeededRandom random)
    {
        double from = 50, to = 10_000;
        if (random.NextInt32(2) == 0)
            (from, to) = (to, from);
        double phase = 0;
        for (int n = 0; n < audio.Length; n++)
        {
            double frequency = from * Math.Pow(to / from, (double)n / audio.Length);
            phase += 2 * Math.PI * frequency / SampleRate;
            audio[n] += (float)(peak * Fade(n, audio.Length) * Math.Sin(phase));
        }
    }

    // White noise, faded in and out over 5 ms: every frequency at once.
    static void AddNoiseBurst(Span<float> audio, double peak, SeededRandom random)
    {
        for (int n = 0; n < audio.Length; n++)
            audio[n] += (float)(peak * Fade(n, audio.Length) * (2 * random.NextDouble() - 1));
    }

    static double Fade(int n, int length) => Math.Min(1, Math.Min(n, length - 1 - n) / (0.005 * SampleRate));
}
