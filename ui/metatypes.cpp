#include "metatypes.h"

namespace agentrun::ui {

void registerMetaTypes()
{
    qRegisterMetaType<agentrun::run::RunResult>();
    qRegisterMetaType<agentrun::run::ResourceSample>();
    qRegisterMetaType<agentrun::run::Stage>();
    qRegisterMetaType<agentrun::run::Stream>();
    qRegisterMetaType<agentrun::safety::Report>();
}

} // namespace agentrun::ui
