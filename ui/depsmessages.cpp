#include "depsmessages.h"

#include "agentrun/errorcodes.h"

#include <QCoreApplication>

namespace agentrun::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("DependencyMessages", text);
}

QString capitalised(QString text)
{
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

QString lowerFirst(QString text)
{
    // "The wheelhouse …" continues a sentence; "HTTP …" or a path would not be lowered.
    if (text.size() > 1 && text.at(0).isUpper() && text.at(1).isLower())
        text[0] = text.at(0).toLower();
    return text;
}

/// Whatever flag of the command line is left in a message, named as the panel's field.
QString withoutFlags(QString text)
{
    const QString wheelhouse = wheelhouseFieldName();
    const QString index = indexUrlFieldName();
    const std::pair<QString, QString> phrases[] = {
        {QStringLiteral("a local wheelhouse (--wheelhouse DIR)"),
         tr("a wheelhouse folder (%1)").arg(wheelhouse)},
        {QStringLiteral("an index URL (--index-url URL)"), tr("an index URL (%1)").arg(index)},
        {QStringLiteral("(--wheelhouse DIR)"), QStringLiteral("(%1)").arg(wheelhouse)},
        {QStringLiteral("(--index-url URL)"), QStringLiteral("(%1)").arg(index)},
        {QStringLiteral("run `agentrun deps bake` first"),
         tr("bake them first (Bake image… in the Dependencies panel)")},
        {QStringLiteral("need no --allow"), tr("need not be listed in the Dependencies panel")},
        {QStringLiteral("--index-url"), index},
        {QStringLiteral("--wheelhouse"), wheelhouse},
        {QStringLiteral("--allow"), tr("the Dependencies panel's package list")},
    };
    for (const auto& [flag, field] : phrases)
        text.replace(flag, field);
    return capitalised(text);
}

QString joinedNames(const std::vector<std::string>& names)
{
    QStringList out;
    for (const auto& name : names)
        out << QString::fromStdString(name);
    return out.join(QStringLiteral(", "));
}

} // namespace

QString wheelhouseFieldName()
{
    return tr("the Wheelhouse field in the Dependencies panel");
}

QString indexUrlFieldName()
{
    return tr("the Index URL field in the Dependencies panel");
}

QString dependencyMessage(const agentrun::Error& error, const agentrun::model::RunSpec& spec,
                          const std::vector<std::string>& packages)
{
    const QString message = QString::fromStdString(error.message);
    const bool wheelhouse = !spec.wheelhouse.empty();
    const bool index = !wheelhouse && !spec.indexUrl.empty();
    const QString fillIn = tr("fill in the Wheelhouse field (a folder of .whl files) or the Index URL field "
                              "in the Dependencies panel");
    if (error.code == errc::DepsNoSource) {
        if (!spec.cached.empty())
            return tr("The cached dependencies (%1) are not baked yet and no package source is set: %2, or "
                      "bake them there first (Bake image…).")
                .arg(joinedNames(spec.cached), fillIn);
        if (!packages.empty())
            return tr("The code needs %1 but no package source is set: %2.")
                .arg(joinedNames(packages), fillIn);
        return tr("The run needs a package but no package source is set: %1.").arg(fillIn);
    }
    if (error.code == errc::DepsSource) {
        if (wheelhouse)
            return tr("Check %1: %2").arg(wheelhouseFieldName(), lowerFirst(withoutFlags(message)));
        if (index)
            return tr("Check %1: %2").arg(indexUrlFieldName(), lowerFirst(withoutFlags(message)));
        return tr("Fill in either the Wheelhouse field or the Index URL field in the Dependencies panel, not "
                  "both.");
    }
    if (error.code == errc::EngineNoBridge && index && message.startsWith(u"--index-url"))
        return capitalised(indexUrlFieldName()) + withoutFlags(message.mid(int(qstrlen("--index-url"))));
    if (error.code.starts_with("deps.") || message.contains(u"--index-url") ||
        message.contains(u"--wheelhouse"))
        return withoutFlags(message);
    return message;
}

} // namespace agentrun::ui
