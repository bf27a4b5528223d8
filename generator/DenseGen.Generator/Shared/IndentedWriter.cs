using System.Text;

namespace DenseGen.Generator.Shared;

/// <summary>
/// Builds source text line by line with four-space indentation and '\n' newlines on every platform, so the
/// generated files are byte-identical wherever they are produced.
/// </summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    /// <summary>Writes one line at the current indentation; an empty line carries no trailing spaces.</summary>
    public void Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _depth * 4).Append(line);
        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/> (unless empty: a bare block) and an opening brace, and indents what follows.</summary>
    public void Open(string header)
    {
        if (header.Length > 0)
            Line(header);
        Line("{");
        _depth++;
    }

    /// <summary>Closes the innermost block opened by <see cref="Open"/>; <paramref name="suffix"/> follows the brace (";" after an initializer).</summary>
    public void Close(string suffix = "")
    {
        _depth--;
        Line("}" + suffix);
    }

    /// <summary>Indents what follows one level without a brace (the arguments of a long call).</summary>
    public void Indent() => _depth++;

    /// <summary>Ends an <see cref="Indent"/>.</summary>
    public void Unindent() => _depth--;

    public override string ToString() => _text.ToString();
}
