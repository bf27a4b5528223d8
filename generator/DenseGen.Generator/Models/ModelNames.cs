using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace DenseGen.Generator.Models;

/// <summary>
/// C# names for a graph's names: split at every character that is not a letter or a digit, the parts joined as
/// camelCase for parameters (<c>obs_0</c> → <c>obs0</c>, <c>state_ins</c> → <c>stateIns</c>) and as PascalCase for
/// members (<c>Obs0</c>, with <c>Size</c> after it for a size constant); a keyword gets <c>@</c> (a parameter
/// <c>nameof</c> becomes <c>nameof_</c>), a leading digit <c>_</c>, and a name with no letter or digit at all is <c>value</c>.
/// </summary>
internal static class ModelNames
{
    public static string Parameter(string graphName)
    {
        string pascal = Pascal(graphName);
        string camel = char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        // A parameter named nameof would turn the generated nameof(...) checks into calls of it, @ or not.
        if (camel == "nameof")
            return "nameof_";
        return SyntaxFacts.GetKeywordKind(camel) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(camel) == SyntaxKind.VarKeyword
            ? "@" + camel
            : camel;
    }

    /// <summary>The PascalCase form: <c>obs_0</c> → <c>Obs0</c>, <c>0_out</c> → <c>_0Out</c>.</summary>
    public static string Pascal(string graphName)
    {
        var name = new StringBuilder();
        foreach (string part in Parts(graphName))
            name.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        if (name.Length == 0)
            return "Value";
        if (char.IsDigit(name[0]))
            name.Insert(0, '_');
        return name.ToString();
    }

    /// <summary>The runs of letters and digits in the name.</summary>
    private static IEnumerable<string> Parts(string name)
    {
        int start = -1;
        for (int i = 0; i <= name.Length; i++)
        {
            bool word = i < name.Length && char.IsLetterOrDigit(name[i]);
            if (word && start < 0)
                start = i;
            else if (!word && start >= 0)
            {
                yield return name.Substring(start, i - start);
                start = -1;
            }
        }
    }
}
